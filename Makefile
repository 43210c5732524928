# Thin wrapper over CMake so that a fresh clone needs only `make demo` and `make test`.
BUILD     ?= build
ASAN_BUILD ?= build-asan
PREFIX    ?= /usr/local
JOBS      ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build test test-asan demo bench install clean

all: build

deps:
	@scripts/setup-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Unit tests, and the backtest and daemon black-box suites, again under AddressSanitizer + UBSan
# (CI runs this once; the kill -9 suite is left to `make test`).
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAIOTS_SANITIZE=ON -DAIOTS_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) --target aiots_unit_tests aiots aiotsd man
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit
	@cd $(ASAN_BUILD) && ctest --output-on-failure -R 'cli_test_(backtest|daemon|daemon_protocol|daemon_config)$$' 

demo: build
	@AIOTS_BIN=$(BUILD)/cli/aiots AIOTSD_BIN=$(BUILD)/daemon/aiotsd scripts/demo.sh

bench: build
	@$(BUILD)/tests/bench/aiots_bench

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD)
