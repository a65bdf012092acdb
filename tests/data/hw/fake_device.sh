#!/bin/sh
# A stand-in for a device benchmark script, for tests of the command target.
# Usage: fake_device.sh MODE MODEL.onnx [NAME] — checks the model file arrived, then behaves per MODE.
mode="$1"
model="$2"
if [ ! -s "$model" ]; then
  echo "fake_device: no model file at '$model'" >&2
  exit 4
fi
bytes=$(wc -c < "$model" | tr -d ' ')
case "$mode" in
  ok_ms)        echo "warming up..."; echo "{\"latency_ms\": 3.2, \"spread_ms\": 0.1, \"energy_mj\": 2, \"notes\": \"bytes=$bytes\"}" ;;
  ok_us)        echo "{\"latency_us\": 850, \"spread_us\": 12.5}" ;;
  multiline)    printf '{\n  "latency_ms": 1.5\n}\n' ;;
  missing)      echo '{"latency": 3.2}' ;;
  typo)         echo '{"latency_msec": 3.2}' ;;
  not_number)   echo '{"latency_ms": "fast"}' ;;
  negative)     echo '{"latency_ms": -1}' ;;
  zero)         echo '{"latency_us": 0}' ;;
  both)         echo '{"latency_ms": 1, "latency_us": 1000}' ;;
  bad_spread)   echo '{"latency_ms": 1, "spread_ms": -0.5}' ;;
  garbage)      echo 'latency: about three milliseconds' ;;
  silent)       ;;
  fail)         echo "adb: device offline" >&2; echo "retry later" >&2; exit 3 ;;
  sleep)        sleep 30 ;;
  echo_name)    echo "{\"latency_ms\": 1, \"notes\": \"$3\"}" ;;
  *)            echo "fake_device: unknown mode '$mode'" >&2; exit 2 ;;
esac
