-- The demo schema for MySQL/MariaDB: the same tables as examples/postgres/schema.sql, in
-- a database named `public`, so the mappings in mappings/ (table: public.users, ...) work
-- unchanged. Load it with:
--   mariadb -u root < examples/mysql/schema.sql
-- The server needs binlog_format=ROW and binlog_row_image=FULL (the mappings read old
-- row images beyond the primary key: changed(plan_code), the orders filter, user_id on
-- delete); binlog_row_metadata=FULL puts column names in the binlog itself.

CREATE DATABASE IF NOT EXISTS public CHARACTER SET utf8mb4;

DROP TABLE IF EXISTS public.subscriptions;
DROP TABLE IF EXISTS public.orders;
DROP TABLE IF EXISTS public.users;

CREATE TABLE public.users (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  email       VARCHAR(255) NOT NULL UNIQUE,
  first_name  TEXT,
  last_name   TEXT,
  plan_code   VARCHAR(20) NOT NULL DEFAULT 'FREE',
  created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);

CREATE TABLE public.orders (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT NOT NULL,
  total       DECIMAL(12, 2) NOT NULL DEFAULT 0,
  status      VARCHAR(20) NOT NULL DEFAULT 'draft'
              CHECK (status IN ('draft', 'placed', 'shipped', 'cancelled')),
  created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  INDEX orders_user_id (user_id),
  FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);

CREATE TABLE public.subscriptions (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT NOT NULL,
  plan        TEXT NOT NULL,
  renews_on   DATE,
  active      BOOLEAN NOT NULL DEFAULT TRUE,
  FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);
