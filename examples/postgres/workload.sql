-- A small workload over the demo schema (schema.sql), one statement per transaction so
-- each change is visible on its own. What each step should produce in Retainly, with the
-- mappings in mappings/, is noted above it.
\set ON_ERROR_STOP on

-- Three customers, three signed_up events.
INSERT INTO public.users (email, first_name, last_name, plan_code) VALUES
  ('ada@example.com', 'Ada', 'Lovelace', 'FREE'),
  ('grace@example.com', 'Grace', 'Hopper', 'PRO'),
  ('alan@example.com', 'Alan', 'Turing', 'FREE');

-- Customer ada: plan "pro", and a plan_changed event (free -> pro).
UPDATE public.users SET plan_code = 'PRO' WHERE email = 'ada@example.com';

-- Customer ada: last_name and full_name change; no event (plan unchanged).
UPDATE public.users SET last_name = 'King' WHERE email = 'ada@example.com';

-- A draft order: filtered out by orders.yaml's where, nothing is sent.
INSERT INTO public.orders (user_id, total, status)
  SELECT id, 42.50, 'draft' FROM public.users WHERE email = 'ada@example.com';

-- The draft is placed: it enters the filter, so it counts as an insert: a purchases item
-- for ada and an order_placed event.
UPDATE public.orders SET status = 'placed'
  WHERE status = 'draft' AND user_id = (SELECT id FROM public.users WHERE email = 'ada@example.com');

-- Grace orders directly: a purchases item and order_placed.
INSERT INTO public.orders (user_id, total, status)
  SELECT id, 19.99, 'placed' FROM public.users WHERE email = 'grace@example.com';

-- Grace's order ships: the item's status updates and order_shipped fires.
UPDATE public.orders SET status = 'shipped'
  WHERE user_id = (SELECT id FROM public.users WHERE email = 'grace@example.com');

-- Alan's draft is abandoned: never sent, so its delete sends nothing either.
INSERT INTO public.orders (user_id, total, status)
  SELECT id, 5.00, 'draft' FROM public.users WHERE email = 'alan@example.com';
DELETE FROM public.orders
  WHERE status = 'draft' AND user_id = (SELECT id FROM public.users WHERE email = 'alan@example.com');

-- Subscriptions set customer fields on the users' customers.
INSERT INTO public.subscriptions (user_id, plan, renews_on, active)
  SELECT id, 'pro-monthly', DATE '2030-01-31', true FROM public.users WHERE email = 'ada@example.com';
INSERT INTO public.subscriptions (user_id, plan, renews_on, active)
  SELECT id, 'pro-yearly', DATE '2030-06-30', true FROM public.users WHERE email = 'grace@example.com';

-- Grace cancels: subscription_active becomes false.
UPDATE public.subscriptions SET active = false
  WHERE user_id = (SELECT id FROM public.users WHERE email = 'grace@example.com');

-- Ada's subscription row is deleted: on_delete sets subscription_active false and clears
-- the plan.
DELETE FROM public.subscriptions
  WHERE user_id = (SELECT id FROM public.users WHERE email = 'ada@example.com');

-- Alan leaves: his customer is deleted.
DELETE FROM public.users WHERE email = 'alan@example.com';
