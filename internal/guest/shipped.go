package guest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// Shipped code: where the build ships the module's compiled code in the
// binary (wasm.Compiled), a process that finds none in the cache installs
// the shipped entry and starts warm from it, as from an entry a cold start
// published. The entry is the one a cold start publishes under the stub's
// key, made at build time by WriteShipped. wazero's key of it covers the
// CPU features its code may use, so on a CPU whose features differ wazero
// does not find it under the key it computes, the warm start's check fails
// (see warmStart), and the process compiles.
//
// wazero takes an entry only from its own version, which it learns from
// the program's build information. A program linked with another version
// compiles. Test binaries carry no versions of their dependencies, so
// wazero calls itself "dev" there; such a process compiles the module's
// probe (its small functions only, some 30 ms) and takes the shipped
// code, relabelled "dev", only if the probe's code is the build's to the
// byte (probeFingerprint): the code the linked wazero makes, and the
// layout it expects, are the build's.
//
// The entry goes into the cache directory when it can be written, so that
// later processes find it there; otherwise into a directory of this
// process's own, removed once the code is loaded.

const (
	entryMagic     = "WAZEVO" // how wazero's entries start, followed by the length of its version and the version
	devVersion     = "dev"    // wazero's version where the build information has none
	probeComment   = "probe-sha256="
	probeBodyLimit = 80 // the probe keeps the functions whose bodies are at most this many bytes (memory.grow's, 67 bytes, among them)
)

// shippedStart loads the module's shipped code, installing it in dir.
func shippedStart(dir string, b *moduleBinary) (*module, bool) {
	if len(b.shipped) == 0 {
		return nil, false
	}
	defer giveBack(b.shipped)
	code, err := gzip.NewReader(bytes.NewReader(b.shipped))
	if err != nil {
		return nil, false
	}
	built, err := readEntryVersion(code)
	if err != nil {
		return nil, false
	}
	entries, key := path.Split(code.Name)
	if entries != entriesName(built)+"/" {
		return nil, false // for another platform
	}
	running := wazeroVersion()
	probed := make(chan bool, 1) // whether the code is this wazero's
	if running == built {
		probed <- true
	} else if running != devVersion {
		return nil, false
	} else {
		// The probe compiles while the entry is written; its garbage, and
		// the pages of the module it read whole, go back before the
		// instances grow their memories.
		defer debug.FreeOSMemory()
		want := code.Comment // read here: the reader is in use meanwhile
		go func() {
			fp, err := probeFingerprint(b)
			giveBack(b.bin)
			probed <- err == nil && want == probeComment+fp
		}()
	}
	cached := dir != "" && writable(dir)
	if !cached {
		own, err := os.MkdirTemp("", "stablesqlite-code-")
		if err != nil {
			return nil, false
		}
		defer os.RemoveAll(own)
		dir = own
	}
	// Without the marker, written last, no process reads the entry.
	entry := filepath.Join(entriesDir(dir), key)
	err = writeAtomic(entry, io.MultiReader(strings.NewReader(entryHeader(running)), code))
	if err == nil && cached {
		// Without it later warm starts read the code; this one would
		// gain less than writing it costs.
		writeCodeFile(entry)
	}
	if ok := <-probed; !ok || err != nil {
		if err == nil {
			os.Remove(entry)
			os.Remove(entry + codeFileSuffix)
		}
		return nil, false
	}
	if writeAtomic(warmMarker(dir, b), strings.NewReader(key+"\n")) != nil {
		return nil, false
	}
	return warmStart(dir, b)
}

// entryHeader is how an entry of wazero version starts.
func entryHeader(version string) string {
	return entryMagic + string([]byte{byte(len(version))}) + version
}

// readEntryVersion reads the start of an entry and returns the version of
// the wazero that wrote it.
func readEntryVersion(r io.Reader) (string, error) {
	head := make([]byte, len(entryMagic)+1)
	if _, err := io.ReadFull(r, head); err != nil || string(head[:len(entryMagic)]) != entryMagic {
		return "", errors.New("wasm: not a compiled entry")
	}
	version := make([]byte, head[len(entryMagic)])
	_, err := io.ReadFull(r, version)
	return string(version), err
}

// probeFingerprint compiles the module's probe (the module with every
// function body longer than probeBodyLimit replaced by `unreachable`) with
// this process's wazero and returns the SHA-256 of the code it writes to
// the cache, after the version.
func probeFingerprint(b *moduleBinary) (string, error) {
	probe, err := makeStub(b.bin, b.hash(), func(body []byte) bool { return len(body) <= probeBodyLimit })
	if err != nil {
		return "", err
	}
	_, entry, err := compiledEntry("", probe)
	if err != nil {
		return "", err
	}
	r := bytes.NewReader(entry)
	if _, err := readEntryVersion(r); err != nil {
		return "", err
	}
	h := sha256.New()
	io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteShipped compiles module as a cold start does and writes to w what
// wasm.Compiled holds for it: the gzip of the entry published under its
// stub's key, named in the gzip header by its path in a cache directory,
// with the probe's fingerprint as the header's comment.
// sqlite-build/build.sh runs it (through ./internal/guest/precompile).
func WriteShipped(module []byte, w io.Writer) error {
	if wazeroVersion() == devVersion {
		return errors.New("wasm: this build does not say which wazero it links (build it with module information)")
	}
	b := &moduleBinary{bin: module}
	dir, err := os.MkdirTemp("", "stablesqlite-precompile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kept := make(chan struct{})
	m, err := compileCold(dir, b, kept)
	if err != nil {
		return err
	}
	m.runtime.Close(context.Background())
	<-kept
	marker, err := os.ReadFile(warmMarker(dir, b))
	if err != nil {
		return errors.New("wasm: the compiled module was not published")
	}
	key := strings.TrimSpace(string(marker))
	entry, err := os.ReadFile(filepath.Join(entriesDir(dir), key))
	if err != nil {
		return err
	}
	fp, err := probeFingerprint(b)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	zw.Name = entriesName(wazeroVersion()) + "/" + key
	zw.Comment = probeComment + fp
	if _, err := zw.Write(entry); err != nil {
		return err
	}
	return zw.Close()
}
