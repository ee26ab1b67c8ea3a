-- Generated from src/domain/migrations.ts by `pnpm migrations:export`. Do not edit.
create table if not exists "kysely_migration" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null);
create table if not exists "kysely_migration_lock" ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null);
insert into "kysely_migration_lock" ("id", "is_locked") values ('migration_lock', 0) on conflict do nothing;
create table "items" ("id" integer primary key autoincrement, "sku" text not null unique, "name" text not null, "quantity" integer default 0 not null check (quantity >= 0), "location" text default '' not null, "category" text default '' not null, "reorder_level" integer default 0 not null check (reorder_level >= 0), "unit_cost" real default 0 not null check (unit_cost >= 0), "created_at" text not null, "updated_at" text not null);
create index "items_category" on "items" ("category");
create index "items_location" on "items" ("location");
create table "movements" ("id" integer primary key autoincrement, "item_id" integer not null references "items" ("id") on delete cascade, "delta" integer not null, "reason" text not null, "quantity_after" integer not null, "created_at" text not null);
create index "movements_item_id" on "movements" ("item_id", "id");
insert into "kysely_migration" ("name", "timestamp") values ('0001_items_and_movements', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
