// bench/duckdb.mjs — the exposure job of bench/profile.rule in DuckDB (SQL with a substring
// prefilter and regexp_extract), for comparison with klartext's scanner.
//   node bench/duckdb.mjs LOG OUT.csv [THREADS]
// Needs @duckdb/node-api (bench/run.sh installs it into bench/out/node_modules).
import { DuckDBInstance } from '@duckdb/node-api';

const [log, out, threads = '2'] = process.argv.slice(2);
if (!log || !out) { console.error('usage: node duckdb.mjs LOG OUT.csv [THREADS]'); process.exit(2); }
const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const sql = `
COPY (
  WITH raw AS (
    SELECT line FROM read_csv(${q(log)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x01',
                              quote = '', escape = '', auto_detect = false, strict_mode = false, null_padding = true)
    WHERE contains(line, '"GET /gp/profile/')
  ), f AS (
    SELECT regexp_extract(line,
             '^(\\S+) \\S+ (\\S+) \\[(\\d\\d)/(\\w\\w\\w)/(\\d{4}):(\\d\\d):(\\d\\d):(\\d\\d) ([+-])(\\d\\d)(\\d\\d)\\] "(\\S+) (\\S+) HTTP/[0-9.]+" (\\d{3}) ',
             ['ip', 'usr', 'd', 'mon', 'y', 'hh', 'mi', 'ss', 'sg', 'oh', 'om', 'method', 'target', 'status']) AS m
    FROM raw
  ), t AS (
    SELECT m.ip AS ip, m.usr AS usr, m.method AS method, m.status AS status,
           regexp_extract(m.target, '^/gp/profile/([A-Z0-9]{10,14})(\\?|$)', 1) AS subject,
           regexp_extract(m.target, '^[^?]*') AS page,
           m.y::INT AS y, list_position(['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'], m.mon) AS mo,
           m.d::INT AS d, m.hh::INT AS hh, m.mi::INT AS mi, m.ss::INT AS ss,
           (CASE WHEN m.sg = '-' THEN -1 ELSE 1 END) * (m.oh::INT * 3600 + m.om::INT * 60) AS off
    FROM f WHERE m.ip <> ''
  ), v AS (
    SELECT *, epoch(make_timestamp(y, mo, d, hh, mi, ss)) - off AS ts FROM t
    WHERE mo IS NOT NULL AND d BETWEEN 1 AND day(last_day(make_date(y, mo, 1))) AND hh < 24 AND mi < 60 AND ss < 60
  ), h AS (
    SELECT subject, ts, page, CASE WHEN usr <> '-' THEN 'u' || usr ELSE 'a' || ip END AS viewer
    FROM v
    WHERE method = 'GET' AND subject <> '' AND status IN ('200', '304')
      AND ts >= epoch(TIMESTAMP '2018-11-12 14:00:00') AND ts < epoch(TIMESTAMP '2018-11-21 09:12:00')
      AND usr <> subject
  )
  SELECT subject,
         strftime(make_timestamp(CAST(min(ts) * 1000000 AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ') AS first_seen,
         strftime(make_timestamp(CAST(max(ts) * 1000000 AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ') AS last_seen,
         count(*) AS views,
         count(DISTINCT viewer) AS viewers,
         count(DISTINCT viewer) FILTER (WHERE viewer LIKE 'u%') AS signed_in_viewers,
         count(DISTINCT viewer) FILTER (WHERE viewer LIKE 'a%') AS anonymous_viewers,
         string_agg(DISTINCT page, ';' ORDER BY page) AS pages,
         'email;name' AS fields
  FROM h GROUP BY subject ORDER BY subject
) TO ${q(out)} (HEADER, DELIMITER ',', QUOTE '"')`;
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
await con.run(sql);
