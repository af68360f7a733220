#!/usr/bin/env bash
# schemathesis against /api/v1/openapi.json, signed in as each role: no server error and no
# answer that breaks the documented schema. Bounded: about a minute per role, 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD CHECKIN_ENV=development DATABASE_URL=sqlite:////tmp/checkin_fuzz.db
export PHOTO_DIR=/tmp/checkin_fuzz_photos LOGIN_LIMIT_PER_ADDRESS="100000 per minute"
export LOGIN_LIMIT_PER_ACCOUNT="100000 per minute"
rm -rf /tmp/checkin_fuzz.db* "$PHOTO_DIR"
.venv/bin/flask --app checkin init-db >/dev/null
.venv/bin/flask --app checkin seed-demo --password fuzz-pass-2026 >/dev/null
.venv/bin/gunicorn -w 2 -b 127.0.0.1:8794 wsgi:app 2>/tmp/checkin_fuzz.log &
server=$!
trap 'kill $server' EXIT
sleep 3
status=0
for user in cadre01a township1 county admin; do
  token=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"fuzz-pass-2026\"}" \
    http://127.0.0.1:8794/api/v1/tokens | .venv/bin/python -c "import json,sys;print(json.load(sys.stdin)['token'])")
  echo "== $user"
  .venv/bin/schemathesis run http://127.0.0.1:8794/api/v1/openapi.json \
    -H "Authorization: Bearer $token" -c not_a_server_error,response_schema_conformance \
    -n "${EXAMPLES:-10}" --max-time "${SECONDS_PER_ROLE:-60}" --exclude-path /tokens/current \
    | grep -E "generated|FAILURES|^___" || status=1
done
exit $status
