//! `imports.source`: which door an import came through (`cli`, `api`, or `watch` for a file
//! dropped into a watched folder), shown in the import history. Imports recorded before have
//! none (NULL). A watcher finds a file's imports through `imports_sha256_idx`.

sql_migration! {
    up: "ALTER TABLE imports
                   ADD COLUMN source TEXT
                     CONSTRAINT imports_source_known
                     CHECK (source IN ('cli', 'api', 'watch'));",
    down: "ALTER TABLE imports DROP COLUMN source;",
}
