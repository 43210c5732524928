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

# Unit tests again under AddressSanitizer + UBSan (CI runs this once).
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAIOTS_SANITIZE=ON -DAIOTS_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) --target aiots_unit_tests aiots
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

demo: build
	@AIOTS_BIN=$(BUILD)/cli/aiots AIOTSD_BIN=$(BUILD)/daemon/aiotsd scripts/demo.sh

bench: build
	@$(BUILD)/tests/bench/aiots_bench

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD)
