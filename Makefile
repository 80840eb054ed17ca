# make test   vet, race tests and the Wasm reproducibility check (what CI runs)
# make wasm   rebuild wasm/sqlite3.wasm and sqlite3.metered.wasm after changing sqlite-build/
# make shell  the SQL shell on an in-memory database

TOOLCHAIN := clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32 binaryen sqlite3 qemu-user

# The architecture of the compiled code shipped beside this machine's
# (wasm/compiled_linux_*.gz), and the qemu-user that runs its code here.
OTHERARCH := $(if $(filter arm64,$(shell go env GOHOSTARCH)),amd64,arm64)
OTHERQEMU := qemu-$(if $(filter amd64,$(OTHERARCH)),x86_64,aarch64)

.PHONY: test wasm shell toolchain

test: toolchain
	test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	CGO_ENABLED=0 go build ./...
	CGO_ENABLED=0 go vet ./...
	go test -race ./...
	cd conformance && CGO_ENABLED=0 go vet ./... && CGO_ENABLED=0 go test ./... && go test -race ./...
	cd gorm && CGO_ENABLED=0 go vet ./... && CGO_ENABLED=0 go test ./... && go test -race ./...
	cd backend/etcd && CGO_ENABLED=0 go vet ./... && go test -race ./...
	cd bench && CGO_ENABLED=0 go vet ./...
	cd sqlite-build && CGO_ENABLED=0 go vet ./... && go test -race ./...
	sqlite-build/check.sh
	GOARCH=$(OTHERARCH) CGO_ENABLED=0 go test -exec $(OTHERQEMU) -run 'Shipped|ColdThenWarm|MapsTheCodeFile|ReleasesTheCode' ./internal/guest

wasm: toolchain
	sqlite-build/build.sh

shell:
	go run ./cmd/stablesqlite

# Installs Debian's packages for the Wasm build (and the native sqlite3 the
# tests compare against, and the qemu-user that builds and tests the other
# architecture's shipped code) when they are missing; needs root. Builds the etcd
# server backend/etcd's tests run (pinned in its go.mod, from the Go module
# proxy) unless the test cache already holds it.
toolchain:
	@if ! command -v clang-16 >/dev/null || ! command -v wasm-opt >/dev/null || \
	    ! test -f /usr/lib/wasm32-wasi/libc.a || ! command -v sqlite3 >/dev/null || ! command -v $(OTHERQEMU) >/dev/null || \
	    ! test -f /usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a; then \
		echo "installing: $(TOOLCHAIN)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TOOLCHAIN) >/dev/null; \
	fi
	cd backend/etcd && go run ./internal/etcdtest/prebuild
