//! An import's reject file, as pgloader keeps one: `import_rejected_lines` holds each rejected
//! line as written (`BYTEA`: verbatim even when not UTF-8 or holding NUL) with its reason, and
//! `imports` the file's header and how many rejected lines were not kept. The bounds are the
//! domain's (10,000 lines and 4 MiB of text per import, a header of at most 4 KiB).

sql_migration! {
    up: "ALTER TABLE imports
                   ADD COLUMN rejected_header BYTEA
                     CONSTRAINT imports_rejected_header_bounded
                     CHECK (octet_length(rejected_header) <= 4096),
                   ADD COLUMN rejected_lines_omitted BIGINT NOT NULL DEFAULT 0
                     CONSTRAINT imports_rejected_lines_omitted_counted
                     CHECK (rejected_lines_omitted >= 0);
                 CREATE TABLE import_rejected_lines (
                   import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
                   line      BIGINT NOT NULL CHECK (line >= 2),
                   reason    TEXT   NOT NULL,
                   raw       BYTEA  NOT NULL CHECK (octet_length(raw) <= 4194304),
                   PRIMARY KEY (import_id, line)
                 );",
    down: "DROP TABLE import_rejected_lines;
                 ALTER TABLE imports DROP COLUMN rejected_header,
                   DROP COLUMN rejected_lines_omitted;",
}
