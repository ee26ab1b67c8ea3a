-- Generated from src/domain/migrations.ts by `pnpm migrations:export`. Do not edit.
create table if not exists "kysely_migration" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null);
create table if not exists "kysely_migration_lock" ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null);
insert into "kysely_migration_lock" ("id", "is_locked") values ('migration_lock', 0) on conflict do nothing;
alter table "movements" add column "request_id" text;
create unique index "movements_request_id" on "movements" ("request_id");
insert into "kysely_migration" ("name", "timestamp") values ('0002_movement_request_ids', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
