# Thin wrapper over CMake so that a fresh clone needs only `make demo` and `make test`.
BUILD     ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX    ?= /usr/local
JOBS      ?= 2
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 30

.PHONY: all deps deps-test deps-fuzz configure configure-test build build-test test test-asan fuzz demo bench install clean

all: build

# `make` and `make demo` install only what building and running need; the test tools come
# with `make test`, clang and libFuzzer with `make fuzz`.
deps:
	@scripts/setup-deps.sh

deps-test:
	@scripts/setup-deps.sh --test

deps-fuzz:
	@scripts/setup-deps.sh --fuzz

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DAIOTS_BUILD_TESTS=OFF -DAIOTS_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null

configure-test: deps-test
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DAIOTS_BUILD_TESTS=ON -DAIOTS_BUILD_BENCH=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

build-test: configure-test
	@cmake --build $(BUILD) -j$(JOBS)

test: build-test
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Unit tests, and the backtest and daemon black-box suites, again under AddressSanitizer + UBSan
# (CI runs this once; the kill -9 suite is left to `make test`). Two option-pricing sweeps are
# left to `make test` too: millions of evaluations of allocation-free formulas, 80 s under the
# sanitizers, where they check numbers, not memory.
ASAN_SKIP = Inside the input domain every price|The American pricer agrees with an independent binomial tree
test-asan: deps-test
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAIOTS_SANITIZE=ON -DAIOTS_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) --target aiots_unit_tests aiots aiotsd man
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit -E '$(ASAN_SKIP)'
	@cd $(ASAN_BUILD) && ctest --output-on-failure -R 'cli_test_(backtest|daemon|daemon_protocol|daemon_config|daemon_hostile|options|daemon_options|risk|accounts|journal_lifecycle|sweep|deploy|deploy_live|data_fetch|broker_alpaca|broker_ibkr)$$'

# libFuzzer harnesses (tests/fuzz/) built with clang, ASan and UBSan, each run for
# FUZZ_SECONDS from its seed corpus; a crash leaves its input in $(FUZZ_BUILD)/findings/.
fuzz: deps-fuzz
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DAIOTS_FUZZ=ON -DAIOTS_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	@scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

demo: build
	@AIOTS_BIN=$(BUILD)/cli/aiots AIOTSD_BIN=$(BUILD)/daemon/aiotsd scripts/demo.sh

bench: build-test
	@$(BUILD)/tests/bench/aiots_bench

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
