-- The application's database role may read and write rows, nothing more: it does not own
-- the tables, so it cannot DROP, ALTER or TRUNCATE them (the audit log stays append-only
-- even against a stolen application password). The owner role runs the migrations and
-- then this file, after the first migrate and after every upgrade's migrations:
--
--   psql "postgres://fengqiao_owner@127.0.0.1/fengqiao" -v app_role=fengqiao_app \
--        -f deploy/grant-app-role.sql
--
-- Safe to run again: GRANT on what is already granted changes nothing.
\set ON_ERROR_STOP on
\if :{?app_role}
\else
  \set app_role fengqiao_app
\endif

GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- Tables and sequences the owner creates later (an upgrade's migrations) get the same
-- rights at once, so a new feature does not answer "permission denied" until the grants
-- are run again.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
