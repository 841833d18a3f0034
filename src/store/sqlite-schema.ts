// The SQLite layout, after k3s's kine: one row per revision (id = revision). A row is a
// create, an update or a tombstone of `name`. Unlike kine, an update does not copy the value it
// replaced: watch catch-up finds prev through prev_revision (that row outlives every event that
// can still be delivered, see compactSuperseded), which halves the bytes per write. Files
// written before kept old_value; compaction clears it. A tombstone keeps the deleted value. A write with
// a TTL stores its expiry (ms since the epoch); the sweep deletes expired latest rows.

/** Run once per connection before anything else; auto_vacuum only takes on a new file. */
export const PRAGMAS = [
  'auto_vacuum = INCREMENTAL',
  'journal_mode = WAL',
  // WAL + NORMAL: a commit is durable once written to the WAL (survives a process crash);
  // only an OS crash or power loss can lose the last commits, never corrupt the file.
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'journal_size_limit = 67108864',
  // SQLite's default, said out loud (AUTOCHECKPOINT in sqlite.ts): compaction commits in small
  // steps so these checkpoints keep the WAL near 4 MB instead of growing by everything one big
  // step rewrote; compaction lowers it to 256 pages while it runs.
  'wal_autocheckpoint = 1000',
  'foreign_keys = OFF',
  // SQLite's own default page cache (2 MB). better-sqlite3 builds with 16 MB, which under churn
  // fills with pages the kernel's page cache holds anyway: a second copy in the server's RSS
  // (issue 19's goal is 200 MB with one watcher). A miss costs a pread from the OS cache.
  'cache_size = -2000',
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
  old_value BLOB,
  expires INTEGER
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Files written before TTLs lack the expires column; added before INDEXES run. */
export const ADD_EXPIRES = 'ALTER TABLE kv ADD COLUMN expires INTEGER';
/** Read once at open (files older than the TTL column lack it). */
export const KV_COLUMNS = `SELECT name FROM pragma_table_info('kv')`;

export const INDEXES = 'CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL';

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
  insert: `INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value, old_value, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  page: `SELECT kv.id, kv.name, kv.deleted, kv.create_revision, kv.prev_revision, kv.value, NULL AS old_value ${LATEST} ORDER BY kv.name LIMIT @limit`,
  count: `SELECT COUNT(*) AS n ${LATEST}`,
  /** Events with their prev value: the superseded row is still there for any id above the compaction point. */
  history: `SELECT kv.id, kv.name, kv.deleted, kv.create_revision, kv.prev_revision, kv.value,
      CASE WHEN kv.deleted = 0 THEN p.value END AS old_value
    FROM kv LEFT JOIN kv AS p ON p.id = kv.prev_revision
    WHERE kv.id > @after AND kv.id <= @until AND kv.name >= @lo AND kv.name < @hi ORDER BY kv.id LIMIT @limit`,
  compactSuperseded: `DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > @from AND id <= @to AND prev_revision > 0)`,
  compactTombstones: `DELETE FROM kv WHERE id > @from AND id <= @to AND deleted = 1`,
  /** Latest live rows whose expiry has passed, soonest first. */
  expired: `SELECT name, id FROM kv WHERE expires IS NOT NULL AND expires <= @now AND deleted = 0
    AND id = (SELECT MAX(k.id) FROM kv AS k WHERE k.name = kv.name) ORDER BY expires LIMIT @limit`,
  freePages: `SELECT freelist_count AS n FROM pragma_freelist_count`,
  pages: `SELECT page_count AS n FROM pragma_page_count`,
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
