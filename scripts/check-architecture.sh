#!/usr/bin/env bash
# Layer and structure rules that grep can check (docs/design.md §1, §3); run by ctest.
#   - only the job models (models/workload/*job_model*) look at what kind a job is;
#   - policies get read-only jobs (no const_cast in models/);
#   - models include neither yaml-cpp, HDF5 nor app/ headers;
#   - conversion constants are defined once (sim/units.hpp), not as bare 3.6e6 / 3.6e9;
#   - each models/<domain> includes only the domains CMakeLists.txt links it to
#     (joule_domain(NAME DEPENDS ...)), and model and engine tests include no app/ header;
#   - runtime constructors take specs, not parameter trees: no constructor in models/ has a
#     sim::ParamNode or sim::ParamReader parameter (a model's keys are read by a function that
#     returns its spec, or by its registry factory), and in models/world only the spec builder
#     (world_spec.hpp/.cpp) names them at all.
# Prints each violation as file:line and exits 1 if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # check DESCRIPTION PATTERN PATHS... (grep -E; matches are violations)
  local what=$1 pattern=$2
  shift 2
  local hits
  # Comment lines do not count.
  hits=$(grep -rnE --include='*.cpp' --include='*.hpp' "$pattern" "$@" 2>/dev/null |
    grep -vE '^[^:]+:[0-9]+:\s*//')
  if [[ -n $hits ]]; then
    echo "$what:"
    echo "$hits" | sed 's/^/  /'
    status=1
  fi
}
outside_job_models=$(find models app -name '*.cpp' -o -name '*.hpp' | grep -v '_job_model\.\|/job_model\.')
check "a branch on the kind of job outside the job models" \
  '(source|request|job|r)\s*(\.|->)\s*(training|inference|run|failure_process)\b[^:(]|job_kind\(' \
  $outside_job_models
check "a const_cast in the models" 'const_cast' models
check "a model includes yaml-cpp, HDF5 or app/" '#include [<"](yaml-cpp/|hdf5|H5|app/)' models sim
check "a bare kWh/MWh conversion factor (use sim::joules_per_kwh)" '\b3\.6e[69]\b' models app \
  $(ls sim/*.cpp sim/*.hpp | grep -v units.hpp)
check "a model or engine test includes an app/ header" '#include "app/' tests/models tests/sim
# Constructors (`Name(` or `Name::Name(` at the start of a line, optionally `explicit`, with
# their parameters up to the closing parenthesis, across lines) whose parameters name a
# parameter tree.
tree_constructors=$(perl -0777 -ne '
  while (/^[ \t]*(?:explicit\s+)?([A-Z]\w*)(?:::\1)?\s*\(([^;{)]*)\)/mg) {
    my ($name, $args, $at) = ($1, $2, $-[0]);
    next unless $args =~ /\bParam(Node|Reader)\b/;
    my $line = 1 + (substr($_, 0, $at) =~ tr/\n//);
    print "  $ARGV:$line: $name(... $&)\n";
  }' $(find models -name '*.hpp' -o -name '*.cpp' | sort))
if [[ -n $tree_constructors ]]; then
  echo "a runtime constructor takes a parameter tree (take a validated spec):"
  echo "$tree_constructors"
  status=1
fi
check "models/world outside its spec builder names a parameter tree" \
  'ParamNode|ParamReader|#include "sim/params.hpp"' \
  $(ls models/world/*.cpp models/world/*.hpp | grep -v '/world_spec\.')
# Domain dependencies: as declared in CMakeLists.txt.
while read -r domain deps; do
  allowed="$domain ${deps:-}"
  for other in $(ls models); do
    [[ " $allowed " == *" $other "* ]] && continue
    check "models/$domain includes models/$other (not among its CMake dependencies)" \
      "#include \"models/$other/" "models/$domain"
  done
done < <(sed -n 's/^joule_domain(\([a-z]*\)\( DEPENDS\)\{0,1\}\(.*\))$/\1\3/p' CMakeLists.txt)
[[ $status -eq 0 ]] && echo "architecture checks: ok"
exit $status
