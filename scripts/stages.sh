#!/usr/bin/env bash
# The stages of scripts/test.sh: each one's time, its result, and a table of all of them
# at the end of the run (also written to test-output/stage-times.tsv), so the output of
# every run shows which stage took how long and which one grew.
#   stage NAME CMD...          runs CMD in a subshell with errexit on; a failure is
#                              recorded and the run goes on to the next stage
#   stage_or_stop NAME CMD...  the same, but a failure ends the run (nothing after it
#                              could give a useful answer)
#   stage_in_shell NAME CMD... runs CMD in this shell (its exports reach later stages);
#                              a failure ends the run
#   at_exit CMD                runs CMD when the run ends, before the table
#   finish_stages              prints the table; exits 1 when a stage failed
# Sourced after setup.sh (uses `say` and ROOT).

STAGE_NAMES=()
STAGE_SECS=()
STAGE_RESULTS=()
STAGE_CURRENT=""
STAGE_CURRENT_START=0
STAGES_START=$SECONDS
STAGE_CLEANUPS=()
STAGES_FINISHED=0

_stage_record() {
  local name="$1" secs="$2" result="$3"
  STAGE_NAMES+=("$name")
  STAGE_SECS+=("$secs")
  STAGE_RESULTS+=("$result")
  printf '\033[1m==> [%s em %d s] %s\033[0m\n' "$result" "$secs" "$name"
}

stage() {
  local name="$1" t0=$SECONDS rc=0
  shift
  say "$name"
  # errexit holds inside the subshell only when it is not the left side of || or &&:
  # hence set +e around it instead of `( ... ) || rc=$?`.
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    _stage_record "$name" $((SECONDS - t0)) ok
  else
    _stage_record "$name" $((SECONDS - t0)) FALHOU
  fi
}

stage_or_stop() {
  stage "$@"
  [ "${STAGE_RESULTS[-1]}" = ok ] || exit 1
}

stage_in_shell() {
  STAGE_CURRENT="$1"
  STAGE_CURRENT_START=$SECONDS
  shift
  say "$STAGE_CURRENT"
  "$@"
  _stage_record "$STAGE_CURRENT" $((SECONDS - STAGE_CURRENT_START)) ok
  STAGE_CURRENT=""
}

at_exit() { STAGE_CLEANUPS+=("$*"); }

finish_stages() {
  STAGES_FINISHED=1
  exit 0
}

_stages_on_exit() {
  local rc=$? i failed=() total=$((SECONDS - STAGES_START)) out
  for ((i = ${#STAGE_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${STAGE_CLEANUPS[$i]}" || true; done
  if [ -n "$STAGE_CURRENT" ]; then
    _stage_record "$STAGE_CURRENT" $((SECONDS - STAGE_CURRENT_START)) FALHOU
  fi
  out="$ROOT/test-output"
  mkdir -p "$out"
  : >"$out/stage-times.tsv"
  printf '\n\033[1m==> Tempo de cada etapa\033[0m\n'
  for i in "${!STAGE_NAMES[@]}"; do
    printf '  %6d s  %-7s %s\n' "${STAGE_SECS[$i]}" "${STAGE_RESULTS[$i]}" "${STAGE_NAMES[$i]}"
    printf '%s\t%s\t%s\n' "${STAGE_SECS[$i]}" "${STAGE_RESULTS[$i]}" "${STAGE_NAMES[$i]}" >>"$out/stage-times.tsv"
    [ "${STAGE_RESULTS[$i]}" = ok ] || failed+=("${STAGE_NAMES[$i]}")
  done
  printf '  %6d s  total (%d min %02d s)\n' "$total" $((total / 60)) $((total % 60))
  if [ "$STAGES_FINISHED" != 1 ] && [ ${#failed[@]} -eq 0 ]; then
    failed+=("interrompido antes do fim (código $rc)")
  fi
  if [ ${#failed[@]} -gt 0 ]; then
    printf '\033[1;31m==> Falharam: %s\033[0m\n' "$(IFS=';'; echo "${failed[*]}")" >&2
    exit 1
  fi
  say "Tudo certo em $total s"
  exit 0
}
trap _stages_on_exit EXIT
