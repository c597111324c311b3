#!/bin/sh
# A deploy step that tells Hotpot what happened, with `hotpot send` and `hotpot run`.
#
#   HOTPOT_WEBHOOK_URL=... ./deploy.sh SERVICE VERSION [COMMAND ARGS...]
#
# COMMAND is the deploy itself (default: kubectl rollout restart deployment/SERVICE).
# The tests run it against the mock server (hotpot-cli/tests/cli/shell_example.rs).
# It runs under `set -eu` (and bash's `-o pipefail`): every status it acts on is caught.
set -eu

service=${1:?usage: deploy.sh SERVICE VERSION [COMMAND ARGS...]}
version=${2:?usage: deploy.sh SERVICE VERSION [COMMAND ARGS...]}
shift 2
[ $# -gt 0 ] || set -- kubectl rollout restart "deployment/$service"

# Announce the deploy. Hotpot being unreachable (75) must not hold up a deploy; a call
# that is wrong (65: a bad moment, 77: an expired webhook, 78: no URL) must be fixed.
# `|| status=$?` keeps a failing send from stopping a script run with `set -e`.
status=0
hotpot send "Deploy of $service $version started" --type page --source deploybot --quiet \
  || status=$?
case $status in
  0 | 75) ;;
  *) echo "deploy.sh: hotpot send failed with exit $status; fix the call" >&2; exit 1 ;;
esac

# The deploy itself. When it fails, Hotpot gets an incident with its exit status and the
# end of its stderr; `hotpot run` exits with the deploy's own status either way.
hotpot run --name "Deploy of $service $version failed" --type incident --priority high \
  --source deploybot -- "$@"
