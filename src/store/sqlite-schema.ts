// The SQLite layout, after k3s's kine: one row per revision (id = revision). A row is a
// create, an update or a tombstone of `name`; it carries the value it replaced (old_value) so
// watch catch-up can hand out prev without a second lookup. Compaction deletes superseded rows
// and tombstones up to the compact revision and clears old_value of what it keeps.

/** Run once per connection before anything else; auto_vacuum only takes on a new file. */
export const PRAGMAS = [
  'auto_vacuum = INCREMENTAL',
  'journal_mode = WAL',
  // WAL + NORMAL: a commit is durable once written to the WAL (survives a process crash);
  // only an OS crash or power loss can lose the last commits, never corrupt the file.
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'journal_size_limit = 67108864',
  'foreign_keys = OFF',
];

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB,
  old_value BLOB
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

const COLUMNS = 'id, name, deleted, create_revision, prev_revision, value, old_value';

/** The latest row of each key in [lo, hi) after `after` at revision `rev`, live ones only. */
const LATEST = `
  FROM kv JOIN (
    SELECT MAX(id) AS mid FROM kv
    WHERE name >= @lo AND name < @hi AND name > @after AND id <= @rev
    GROUP BY name
  ) AS m ON kv.id = m.mid
  WHERE kv.deleted = 0`;

export const SQL = {
  revision: `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kv'), 0) AS rev`,
  compactRevision: `SELECT COALESCE((SELECT value FROM meta WHERE name = 'compact_rev'), 0) AS rev`,
  setCompactRevision: `INSERT INTO meta (name, value) VALUES ('compact_rev', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  latest: `SELECT ${COLUMNS} FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`,
  at: `SELECT ${COLUMNS} FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`,
  insert: `INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value, old_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  page: `SELECT kv.id, kv.name, kv.deleted, kv.create_revision, kv.prev_revision, kv.value, NULL AS old_value ${LATEST} ORDER BY kv.name LIMIT @limit`,
  count: `SELECT COUNT(*) AS n ${LATEST}`,
  history: `SELECT ${COLUMNS} FROM kv WHERE id > @after AND id <= @until AND name >= @lo AND name < @hi ORDER BY id LIMIT @limit`,
  compactSuperseded: `DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > @from AND id <= @to AND prev_revision > 0)`,
  compactTombstones: `DELETE FROM kv WHERE id > @from AND id <= @to AND deleted = 1`,
  compactOldValues: `UPDATE kv SET old_value = NULL WHERE id > @from AND id <= @to AND old_value IS NOT NULL`,
};

export interface Row {
  id: number;
  name: string;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: Buffer | null;
  old_value: Buffer | null;
}
