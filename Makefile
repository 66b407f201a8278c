# factory: the two set-up commands.
#   make demo  installs what is missing, builds (release), runs the main job end to end
#   make test  installs what is missing, builds (release), runs the whole test suite
# Everything numeric is built in release mode: debug builds of the kernels are 10-50x slower.

SWIFT        ?= swift
CONFIG       ?= release
SCRATCH      ?= .build
APT_PACKAGES := libopenblas-dev libpng-dev libsndfile1-dev pkg-config
SWIFT_FLAGS  := -c $(CONFIG) --scratch-path $(SCRATCH)
FACTORY      := $(SCRATCH)/$(CONFIG)/factory

.PHONY: demo test build deps clean

demo: build
	$(FACTORY) --help
	$(FACTORY) version
	@echo "== GEMM benchmark (BENCHMARKS.md: gemm-1024), one JSON line =="
	$(FACTORY) bench gemm-1024

test: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build

build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --product factory

# Installs the system libraries (Debian packages) that are not there yet; needs root or sudo.
deps:
	@command -v $(SWIFT) >/dev/null 2>&1 || { echo "error: the Swift 6 toolchain ('swift') is not on PATH; install it first (https://www.swift.org/install/linux/)" >&2; exit 1; }
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = "0" ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(SCRATCH)
