/**
 * SQL words that are reserved (or break unquoted DDL) on at least one of PostgreSQL, MySQL 8 and SQLite. A
 * table or column named after one would work on one database and fail on another, so forge refuses them on all.
 */
export const SQL_RESERVED_WORDS = new Set(
  `
  accessible add all alter analyze and any array as asc asensitive authorization before between bigint binary
  blob both by call cascade case cast change char character check collate column condition constraint continue
  convert create cross cube cume_dist current current_date current_role current_time current_timestamp
  current_user cursor database databases day_hour day_microsecond day_minute day_second dec decimal declare
  default deferrable delayed delete dense_rank desc describe deterministic distinct distinctrow div do double
  drop dual each else elseif empty enclosed end escape escaped except exists exit explain false fetch
  first_value float for force foreign freeze from full fulltext function generated get glob grant group
  grouping groups having high_priority hour_microsecond hour_minute hour_second if ignore ilike in index infile
  initially inner inout insensitive insert int integer intersect interval into is isnull iterate join
  json_table key keys kill lag last_value lateral lead leading leave left like limit linear lines load
  localtime localtimestamp lock long loop low_priority match natural no not notnull nth_value ntile null
  numeric of offset on only optimize optionally or order out outer outfile over partition percent_rank
  placing precision primary procedure purge range rank read real recursive references regexp release rename
  repeat replace require resignal restrict return returning revoke right rlike row row_number rows schema
  schemas select sensitive separator session_user set show signal similar smallint some spatial specific sql
  sqlexception sqlstate sqlwarning ssl starting stored straight_join symmetric system table terminated then to
  trailing transaction trigger true undo union unique unlock unsigned update usage use user using values
  varbinary varchar varying verbose virtual when where while window with write xor year_month zerofill
  `
    .split(/\s+/)
    .filter(Boolean),
);
