# Arca: `make dev` starts a dev server, `make test` runs every test.
BUILD_DIR ?= build
RELEASE_DIR ?= build-release
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build test dev bench release clean format

all: build

deps:
	@bash scripts/install-deps.sh

# $(BUILD_DIR) is the test build: Debug, AddressSanitizer + UBSan, tests built. A build dir
# configured otherwise (by hand, e.g. -DARCA_BUILD_TESTS=OFF, or with another generator) is
# reconfigured here, not silently reused: every `make build`/`make test` checks its cache.
TEST_CONFIG := CMAKE_BUILD_TYPE:STRING=Debug ARCA_SANITIZE:BOOL=ON ARCA_BUILD_TESTS:BOOL=ON

# LeakSanitizer is on for every test (and for the arca processes the integration tests start,
# which inherit the environment); third-party leaks only are suppressed, in tests/lsan.supp.
TEST_ENV := ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

configure: deps
	@cache=$(BUILD_DIR)/CMakeCache.txt; \
	if [ -f $$cache ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' $$cache; then \
	  echo "$(BUILD_DIR) was configured with another generator: configuring it afresh"; \
	  rm -rf $$cache $(BUILD_DIR)/CMakeFiles; \
	fi; \
	stale=""; \
	for v in $(TEST_CONFIG); do grep -qx "$$v" $$cache 2>/dev/null || stale="$$stale $${v%%:*}"; done; \
	if [ -n "$$stale" ] || [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  [ -f $$cache ] && echo "$(BUILD_DIR) is not configured for tests ($$stale ): reconfiguring"; \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARCA_SANITIZE=ON \
	    -DARCA_BUILD_TESTS=ON $(CMAKE_FLAGS); \
	fi

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# --no-tests=error: a build that registered no test fails instead of passing vacuously.
test: build
	cd $(BUILD_DIR) && $(TEST_ENV) ctest --no-tests=error --output-on-failure -j $(JOBS) --timeout 600

dev: build
	./$(BUILD_DIR)/arca server -dev

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DARCA_BUILD_TESTS=OFF -DARCA_TCMALLOC=ON \
	  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" $(CMAKE_FLAGS)

release: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target arca lease_scale etcd_put_bench

# gRPC is a required dependency of storage "etcd" (installed by `deps`).
bench: release
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target etcd_put_grpc_bench pg_upsert_bench
	bash bench/run.sh $(RELEASE_DIR)/arca
	bash bench/etcd.sh $(RELEASE_DIR)/arca $(RELEASE_DIR)/etcd_put_bench $(RELEASE_DIR)/etcd_put_grpc_bench
	bash bench/failover.sh $(RELEASE_DIR)/arca
	bash bench/standby_reads.sh $(RELEASE_DIR)/arca
	bash bench/postgresql.sh $(RELEASE_DIR)/arca $(RELEASE_DIR)/pg_upsert_bench
	bash bench/snapshot.sh $(RELEASE_DIR)/arca

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(RELEASE_DIR)
