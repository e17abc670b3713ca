#!/usr/bin/env bash
# Fuzzes the real inference server from its own /openapi.json with schemathesis (PyPI, pinned below): every
# response must be non-5xx, its status documented for the route, its body matching the documented schema.
# Not part of `npm test`. Needs python3; installs schemathesis into a throw-away venv unless SCHEMATHESIS is
# set to an `st` binary. Bounded: ST_MAX_EXAMPLES cases per operation and phase (default 30); ST_MAX_TIME
# (seconds, unset by default) instead keeps fuzzing until that budget is spent.
#
#   scripts/schemathesis.sh            # prints schemathesis' summary; exit code = schemathesis' exit code
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ST=${SCHEMATHESIS:-}
if [ -z "$ST" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
  ST="$WORK/venv/bin/st"
fi

PORT=${ST_PORT:-18123}
KEY="sk-fuzz-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Small generations (the schema's max_tokens maximum follows MAX_TOKENS_CAP) keep the run to a few minutes.
HOST=127.0.0.1 PORT=$PORT API_KEYS="fuzz:$KEY" THREADS=1 SEQUENCES=4 CONTEXT_SIZE=1024 \
  MAX_TOKENS_CAP=8 DEFAULT_MAX_TOKENS=8 QUEUE_SIZE=64 LOG_LEVEL=warn \
  nice -n 10 node --import tsx inference/src/main.ts >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done

MODEL_ID=$(curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/models" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')

# A body over BODY_LIMIT_BYTES is rightly refused with 413 before its schema is even looked at.
cat >"$WORK/schemathesis.toml" <<'TOML'
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
TOML

set +e
# From $WORK: schemathesis keeps a crash cache (.schemathesis/) in its working directory.
HOOKS="$PWD/scripts/schemathesis_hooks.py"
cd "$WORK"
ST_SERVED_MODEL=$MODEL_ID SCHEMATHESIS_HOOKS="$HOOKS" \
  nice -n 10 "$ST" --config-file "$WORK/schemathesis.toml" run "http://127.0.0.1:$PORT/openapi.json" \
  -H "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
  --max-examples "${ST_MAX_EXAMPLES:-30}" ${ST_MAX_TIME:+--max-time "$ST_MAX_TIME"} --workers 2 \
  --request-timeout 60 --seed "${ST_SEED:-1}" --no-color --output-truncate true --report-dir "$WORK/report" \
  --generation-database none
code=$?
set -e
echo "--- responses by route and status (genai_requests_total) ---"
curl -sf "http://127.0.0.1:$PORT/metrics" | grep '^genai_requests_total' | sed -E 's/.*route="([^"]*)",status="([^"]*)".* ([0-9.e+]+)$/\1 \2 \3/' | sort
if grep -q '"level":50' "$WORK/server.log"; then
  echo "--- server errors logged during the run ---"
  grep '"level":50' "$WORK/server.log" | head -20
fi
exit "$code"
