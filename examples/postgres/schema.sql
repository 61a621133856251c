-- The demo schema: users become Retainly customers, orders a customer array (purchases)
-- with order events, subscriptions more customer fields. Load it into a fresh database:
--   psql -v ON_ERROR_STOP=1 -d app -f examples/postgres/schema.sql
-- The mappings for these tables are in mappings/.

DROP TABLE IF EXISTS public.subscriptions;
DROP TABLE IF EXISTS public.orders;
DROP TABLE IF EXISTS public.users;

CREATE TABLE public.users (
  id          bigserial PRIMARY KEY,
  email       text NOT NULL UNIQUE,
  first_name  text,
  last_name   text,
  plan_code   text NOT NULL DEFAULT 'FREE',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.orders (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  total       numeric(12, 2) NOT NULL DEFAULT 0,
  status      text NOT NULL DEFAULT 'draft'
              CHECK (status IN ('draft', 'placed', 'shipped', 'cancelled')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id ON public.orders (user_id);

CREATE TABLE public.subscriptions (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  plan        text NOT NULL,
  renews_on   date,
  active      boolean NOT NULL DEFAULT true
);

-- The mappings read old row images beyond the primary key (users: changed(plan_code);
-- orders: the where filter and user_id on delete; subscriptions: user_id on delete), so
-- updates and deletes must log whole old rows. `retainly-cdc check` verifies this.
ALTER TABLE public.users REPLICA IDENTITY FULL;
ALTER TABLE public.orders REPLICA IDENTITY FULL;
ALTER TABLE public.subscriptions REPLICA IDENTITY FULL;
