package sqlite

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/guest"
)

// The constants that the C side (sqlite-build/glue.c) and the Go side both
// know have one value: callback kinds, the error slot type, function
// kinds and hook bits. Every SS_ constant of glue.c is checked.
func TestConstantsMatchGlue(t *testing.T) {
	glue, err := os.ReadFile("../../sqlite-build/glue.c")
	if err != nil {
		t.Fatal(err)
	}
	defines := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^#define (SS_\w+)\s+(\d+)`).FindAllStringSubmatch(string(glue), -1) {
		defines[m[1]], _ = strconv.Atoi(m[2])
	}
	for name, want := range map[string]int{
		"SS_CB_FUNC": int(guest.CallFunc), "SS_CB_STEP": int(guest.CallStep), "SS_CB_FINAL": int(guest.CallFinal),
		"SS_CB_VALUE": int(guest.CallValue), "SS_CB_INVERSE": int(guest.CallInverse),
		"SS_CB_DESTROY": int(guest.CallDestroy), "SS_CB_COLLATE": int(guest.CallCollate),
		"SS_CB_COMMIT": int(guest.CallCommit), "SS_CB_ROLLBACK": int(guest.CallRollback),
		"SS_CB_UPDATE": int(guest.CallUpdate), "SS_ERROR": guest.TypeError,
		"SS_KIND_SCALAR": int(Scalar), "SS_KIND_AGGREGATE": int(Aggregate), "SS_KIND_WINDOW": int(Window),
		"SS_HOOK_COMMIT": int(HookCommit), "SS_HOOK_ROLLBACK": int(HookRollback), "SS_HOOK_UPDATE": int(HookUpdate),
	} {
		got, ok := defines[name]
		switch {
		case !ok:
			t.Errorf("glue.c defines no %s", name)
		case got != want:
			t.Errorf("glue.c has %s = %d, Go %d", name, got, want)
		}
		delete(defines, name)
	}
	for name := range defines {
		t.Errorf("glue.c defines %s, which Go does not check", name)
	}
}
