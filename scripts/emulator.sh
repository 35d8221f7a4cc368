# Shell helpers to run the local emulator for the demo and the benchmarks. Source this file.
#
# start_emulator DIR [serve.py options…] starts tests/emulator/serve.py on a free loopback
# port, waits for its `ready` line, exports the AWS variables that point rootward and the AWS
# CLI at it, and stops it when the calling shell exits.

start_emulator() {
  local dir=$1
  shift
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  python3 "$root/tests/emulator/serve.py" --port 0 "$@" >"$dir/emulator.out" 2>"$dir/emulator.log" &
  EMULATOR_PID=$!
  trap 'kill "$EMULATOR_PID" 2>/dev/null; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT

  local url=""
  for _ in $(seq 1 300); do
    url=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*' "$dir/emulator.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
      echo "error: the emulator exited before it was ready; its log follows" >&2
      cat "$dir/emulator.log" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "error: the emulator did not print its ready line within 30 s; see $dir/emulator.log" >&2
    return 1
  fi

  # Only the emulator on loopback is ever a target: no profile, no IMDS, no real AWS.
  unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
  export AWS_ENDPOINT_URL=$url
  export AWS_ACCESS_KEY_ID=AKIAEMULATORMANAGER1
  export AWS_SECRET_ACCESS_KEY=emulator-management-secret
  export AWS_REGION=us-east-1
  export AWS_CONFIG_FILE=/dev/null
  export AWS_SHARED_CREDENTIALS_FILE=/dev/null
  export AWS_EC2_METADATA_DISABLED=true
  echo "emulator: $url"
}
