-- test only: a migration that fails halfway
CREATE TABLE broken_ok (x TEXT);
THIS IS NOT SQL;
