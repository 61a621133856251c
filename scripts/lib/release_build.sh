# shellcheck shell=bash
# The Release build of scripts/build-release and scripts/bench. Source after
# scripts/lib/common.sh; with profile-guided optimisation, after servers.sh too, with the
# servers started (the training run streams from them).

# shellcheck source=scripts/lib/pgo_training.sh
source "$ROOT/scripts/lib/pgo_training.sh"

# release_configure BUILD ARGS...: a Release build folder, without the tests.
release_configure() {
  local build=$1
  shift
  mkdir -p "$build"
  cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCDC_BUILD_TESTS=OFF \
    "$@" >"$build/configure.log" 2>&1 || {
    cat "$build/configure.log" >&2
    die "configuring $build failed"
  }
}

# release_compile BUILD TARGET...
release_compile() {
  local build=$1
  shift
  nice cmake --build "$build" -j2 --target "$@" >"$build/build.log" 2>&1 || {
    tail -n 40 "$build/build.log" >&2
    die "the build in $build failed"
  }
}

# release_build BUILD PGO TARGET...: TARGETs in BUILD, Release. With PGO=true, optimised
# by a profile of the connector at work (GCC's profile-guided optimisation):
#   BUILD/pgo/generate  retainly-cdc and retainly-mock built to count what runs;
#   BUILD/pgo/profile   the counts of the training run (scripts/lib/pgo_training.sh);
#   BUILD               TARGETs compiled with them.
# With link-time optimisation too (CMakeLists.txt), measured: 12 to 14% fewer instructions
# per row in the streams and backfills (docs/benchmarks.md, "Profile-guided build"). Costs
# a second full compile and about half a minute of training.
release_build() {
  local build=$1 pgo=$2 ccache=
  shift 2
  command -v ccache >/dev/null && ccache=ccache
  if [[ $pgo != true ]]; then
    release_configure "$build" -DCMAKE_CXX_COMPILER_LAUNCHER="$ccache" -DCDC_PGO= -DCDC_PGO_DIR=
    release_compile "$build" "$@"
    return
  fi
  local generate=$build/pgo/generate profile=$build/pgo/profile
  log "building the instrumented connector in $generate"
  rm -rf "$profile"
  mkdir -p "$profile"
  release_configure "$generate" -DCMAKE_CXX_COMPILER_LAUNCHER="$ccache" -DCDC_PGO=generate \
    -DCDC_PGO_DIR="$profile"
  release_compile "$generate" retainly-cdc retainly-mock
  pgo_train "$generate"
  log "building $* in $build with the profile"
  # Without ccache: it does not know where -fprofile-prefix-path puts the counts, so it
  # could not tell a new profile from the last. And every object again, for the same
  # reason: the profile is no input ninja knows of.
  release_configure "$build" -DCMAKE_CXX_COMPILER_LAUNCHER= -DCDC_PGO=use \
    -DCDC_PGO_DIR="$profile"
  ninja -C "$build" -t clean >/dev/null
  release_compile "$build" "$@"
}
