package instrument

import (
	"context"
	"fmt"
	"log"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// A host meters a module: it answers meter_exhausted, sets the exported
// counter to a budget before a call, and reads what is left after.
func ExampleInstrument() {
	ctx := context.Background()
	metered, st, err := Instrument(testModule()) // the small module of testmodule_test.go
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d functions: %d checks, %d charges, %d length charges\n", st.Functions, st.Checks, st.Charges, st.LengthCharges)

	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	refills := 0
	_, err = r.NewHostModuleBuilder(ImportModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, _ []uint64) {
		// Out of budget: give 100 more (or panic with an error to stop the guest).
		refills++
		c := m.ExportedGlobal(CounterExport).(api.MutableGlobal)
		c.Set(c.Get() + 100)
	}), nil, nil).Export(ExhaustedImport).
		Instantiate(ctx)
	if err == nil {
		_, err = r.NewHostModuleBuilder("test").NewFunctionBuilder().WithFunc(func() {}).Export("note").Instantiate(ctx)
	}
	if err != nil {
		log.Fatal(err)
	}
	m, err := r.Instantiate(ctx, metered)
	if err != nil {
		log.Fatal(err)
	}
	counter := m.ExportedGlobal(CounterExport).(api.MutableGlobal)

	const budget = 1000
	for _, n := range []uint64{10, 100} {
		counter.Set(budget)
		res, err := m.ExportedFunction("sum").Call(ctx, n)
		if err != nil {
			log.Fatal(err)
		}
		left := int64(counter.Get())
		fmt.Printf("sum(%d) = %d: %d instructions, %d refills\n", n, res[0], budget+int64(refills)*100-left, refills)
	}
	// Output:
	// 4 functions: 5 checks, 5 charges, 2 length charges
	// sum(10) = 45: 157 instructions, 0 refills
	// sum(100) = 4950: 1507 instructions, 6 refills
}
