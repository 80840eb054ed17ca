package guest

// The build lays the module's functions out in the order a profile of the
// driver calls them first (sqlite-build/build.sh), those a start calls
// first of all, and says how many those are in a custom section at the
// head of the module. wazero's code follows that order, so the code a
// start runs is one run of pages at the head of the code. wazero's
// checksum of mapped code (mapCode) reads every page of it, which puts all
// of the 4.7 MiB in the process's resident memory; a warm start then hands
// back the pages past the start's (releaseCode), which the kernel maps
// again from the page cache when the program calls into them, a 64 KiB
// run per fault. A program that only ever runs some of SQLite keeps only
// the pages of that part.

// startSection names the custom section of the start's function count
// (sqlite-build/instrument.StartSection).
const startSection = "stablesqlite.start-functions"

// StartFunctions returns the number of defined functions, at the head of
// module's code, that a start calls, as build.sh wrote it in the module,
// or 0 if the module does not say.
func StartFunctions(module []byte) uint32 {
	if len(module) < 8 {
		return 0
	}
	// Reorder writes the section first: there is no need to look further.
	id, body, _, err := section(module, 8)
	if err != nil || id != sectionCustom {
		return 0
	}
	n, m, err := uleb(body)
	if err != nil || uint64(m)+uint64(n) > uint64(len(body)) || string(body[m:m+int(n)]) != startSection {
		return 0
	}
	k, _, err := uleb(body[m+int(n):])
	if err != nil {
		return 0
	}
	return k
}

// startCode is what a warm start maps of the code (see entryReader) and
// how much of it, from its head, the functions a start calls take.
type startCode struct {
	functions uint32 // StartFunctions of the module
	code      []byte // the mapped code, once mapped
	start     int64  // the start's functions' share of code, in bytes
}

// release hands back the pages of the mapped code past the start's, if
// the code was mapped.
func (s *startCode) release() {
	if s.code == nil || s.start <= 0 || s.start >= int64(len(s.code)) {
		return
	}
	releaseCode(s.code[s.start:])
}
