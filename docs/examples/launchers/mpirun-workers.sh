#!/bin/sh
# N hwnas workers started by mpirun (docs/workers.md): MPI only starts the processes, on the hosts
# of its host file; the workers meet in the store, not over MPI.
#   docs/examples/launchers/mpirun-workers.sh N [mpirun options...]
# with HWNAS_STORE (and HWNAS_STUDY) set; -x passes them, and PGPASSWORD when set, to every host.
set -eu
n=${1:?usage: mpirun-workers.sh N [mpirun options...]}
shift
: "${HWNAS_STORE:?set HWNAS_STORE=postgresql://user@db-host/nas (or a SQLite path on one host)}"
export HWNAS_STUDY="${HWNAS_STUDY:-default}"
pass="-x HWNAS_STORE -x HWNAS_STUDY"
if [ -n "${PGPASSWORD:-}" ]; then pass="$pass -x PGPASSWORD"; fi
# shellcheck disable=SC2086
exec mpirun -n "$n" $pass "$@" "${HWNAS:-hwnas}" worker
