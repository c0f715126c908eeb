// bench/duckdb.mjs — the exposure job of bench/profile.rule (or bench/rules/FORMAT.rule) in
// DuckDB: the lines read as one column, a substring prefilter, the fields taken out with
// regexp_extract, string_split or the JSON functions, then the same GROUP BY for every format.
//   node bench/duckdb.mjs [--format FORMAT] LOG OUT.csv [THREADS]
// FORMAT: combined (default), alb, elb, w3c, cloudfront, caddy, traefik, haproxy (its local
// times are Europe/Berlin's, UTC+1 all through the generated November 2018: DuckDB without its
// ICU extension has no zones, so the hour is subtracted). Needs @duckdb/node-api (bench/run.sh
// installs it into bench/out/node_modules).
import { DuckDBInstance } from '@duckdb/node-api';

let args = process.argv.slice(2), format = 'combined';
if (args[0] === '--format') { format = args[1]; args = args.slice(2); }
const [log, out, threads = '2'] = args;
if (!log || !out) { console.error('usage: node duckdb.mjs [--format F] LOG OUT.csv [THREADS]'); process.exit(2); }
const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const lines = (needle, extra = '') => `
    SELECT line FROM read_csv(${q(log)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x01',
                              quote = '', escape = '', auto_detect = false, strict_mode = false, null_padding = true)
    WHERE contains(line, ${q(needle)}) ${extra}`;
const months = "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec']";
// a valid date and time from text fields, else NULL; local seconds minus off
const clfTime = (m, off) => `CASE WHEN list_position(${months}, ${m}.mon) IS NOT NULL
      AND ${m}.d::INT BETWEEN 1 AND day(last_day(make_date(${m}.y::INT, list_position(${months}, ${m}.mon), 1)))
      AND ${m}.hh::INT < 24 AND ${m}.mi::INT < 60 AND ${m}.ss::INT < 60
    THEN epoch(make_timestamp(${m}.y::INT, list_position(${months}, ${m}.mon), ${m}.d::INT, ${m}.hh::INT, ${m}.mi::INT,
                              ${m}.ss::INT)) - (${off}) END`;

// per format: v(ip, usr, method, status, target, ts): usr '-' when the format logs none
const formats = {
  combined: `raw AS (${lines('"GET /gp/profile/')}),
  f AS (SELECT regexp_extract(line,
          '^(\\S+) \\S+ (\\S+) \\[(\\d\\d)/(\\w\\w\\w)/(\\d{4}):(\\d\\d):(\\d\\d):(\\d\\d) ([+-])(\\d\\d)(\\d\\d)\\] "(\\S+) (\\S+) HTTP/[0-9.]+" (\\d{3}) ',
          ['ip', 'usr', 'd', 'mon', 'y', 'hh', 'mi', 'ss', 'sg', 'oh', 'om', 'method', 'target', 'status']) AS m FROM raw),
  v AS (SELECT m.ip AS ip, m.usr AS usr, m.method AS method, m.status AS status, m.target AS target,
          ${clfTime('m', "(CASE WHEN m.sg = '-' THEN -1 ELSE 1 END) * (m.oh::INT * 3600 + m.om::INT * 60)")} AS ts
        FROM f WHERE m.ip <> '')`,
  alb: awsFormat('^\\S+ '),
  elb: awsFormat('^'),
  w3c: `raw AS (${lines('/gp/profile/', "AND NOT starts_with(line, '#')")}),
  f AS (SELECT string_split(line, ' ') AS p FROM raw),
  v AS (SELECT p[9] AS ip, p[8] AS usr, p[4] AS method, p[12] AS status,
          p[5] || CASE WHEN p[6] <> '-' THEN '?' || p[6] ELSE '' END AS target,
          epoch(try_strptime(p[1] || ' ' || p[2], '%Y-%m-%d %H:%M:%S')) AS ts
        FROM f WHERE len(p) >= 15)`,
  cloudfront: `raw AS (${lines('/gp/profile/', "AND NOT starts_with(line, '#')")}),
  f AS (SELECT string_split(line, '\t') AS p FROM raw),
  v AS (SELECT p[5] AS ip, '-' AS usr, p[6] AS method, p[9] AS status,
          p[8] || CASE WHEN p[12] <> '-' THEN '?' || p[12] ELSE '' END AS target,
          epoch(try_strptime(p[1] || ' ' || p[2], '%Y-%m-%d %H:%M:%S')) AS ts
        FROM f WHERE len(p) >= 33)`,
  caddy: `raw AS (${lines('/gp/profile/')}),
  j AS (SELECT CAST(line AS JSON) AS j FROM raw WHERE json_valid(line)),
  v AS (SELECT j->>'$.request.client_ip' AS ip, coalesce(nullif(j->>'$.user_id', ''), '-') AS usr,
          j->>'$.request.method' AS method, j->>'$.status' AS status, j->>'$.request.uri' AS target,
          floor((j->>'$.ts')::DOUBLE) AS ts
        FROM j)`,
  traefik: `raw AS (${lines('/gp/profile/')}),
  j AS (SELECT CAST(line AS JSON) AS j FROM raw WHERE json_valid(line)),
  v AS (SELECT j->>'$.ClientHost' AS ip, j->>'$.ClientUsername' AS usr, j->>'$.RequestMethod' AS method,
          j->>'$.DownstreamStatus' AS status, j->>'$.RequestPath' AS target,
          epoch(try_strptime(j->>'$.StartUTC', '%Y-%m-%dT%H:%M:%S.%fZ')) AS ts
        FROM j)`,
  haproxy: `raw AS (${lines('/gp/profile/')}),
  f AS (SELECT regexp_extract(line,
          '^(\\S+):\\d+ \\[(\\d\\d)/(\\w\\w\\w)/(\\d{4}):(\\d\\d):(\\d\\d):(\\d\\d)(?:\\.\\d+)?\\] \\S+ \\S+ \\S+ (\\S+) \\S+ \\S+ \\S+ \\S+ \\S+ \\S+ "(\\S+) (\\S+) HTTP/[0-9.]+"',
          ['ip', 'd', 'mon', 'y', 'hh', 'mi', 'ss', 'status', 'method', 'target']) AS m FROM raw),
  v AS (SELECT m.ip AS ip, '-' AS usr, m.method AS method, m.status AS status, m.target AS target,
          ${clfTime('m', '3600')} AS ts
        FROM f WHERE m.ip <> '')`,
};

// alb, elb: the client's port taken off at its last colon, the URI cut to its path
function awsFormat(head) {
  return `raw AS (${lines('/gp/profile/')}),
  f AS (SELECT regexp_extract(line,
          '${head}(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)\\.\\d+Z \\S+ (\\S+):\\d+ \\S+ \\S+ \\S+ \\S+ (\\S+) \\S+ \\S+ \\S+ "(\\S+) [a-z]+://[^/ ]*(/\\S*) HTTP/[0-9.]+" ',
          ['t', 'ip', 'status', 'method', 'target']) AS m FROM raw),
  v AS (SELECT m.ip AS ip, '-' AS usr, m.method AS method, m.status AS status, m.target AS target,
          epoch(try_strptime(m.t, '%Y-%m-%dT%H:%M:%S')) AS ts
        FROM f WHERE m.ip <> '')`;
}

if (!formats[format]) { console.error(`duckdb.mjs: unknown format '${format}'`); process.exit(2); }
const sql = `
COPY (
  WITH ${formats[format]},
  h AS (
    SELECT regexp_extract(target, '^/gp/profile/([A-Z0-9]{10,14})(\\?|$)', 1) AS subject, ts,
           regexp_extract(target, '^[^?]*') AS page,
           CASE WHEN usr <> '-' THEN 'u' || usr ELSE 'a' || ip END AS viewer, usr
    FROM v
    WHERE method = 'GET' AND status IN ('200', '304') AND ts IS NOT NULL
      AND ts >= epoch(TIMESTAMP '2018-11-12 14:00:00') AND ts < epoch(TIMESTAMP '2018-11-21 09:12:00')
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
  FROM h WHERE subject <> '' AND usr <> subject GROUP BY subject ORDER BY subject
) TO ${q(out)} (HEADER, DELIMITER ',', QUOTE '"')`;
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
await con.run(sql);
