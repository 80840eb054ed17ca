package driver

import "database/sql"

// Instructions are what SQLite executed on a connection that runs the
// metered module (WithMetering, or _meter=1 in the DSN), counted as the
// Internet Computer counts a canister's instructions (the same work counts
// the same in every run): for the statement under way (or, between
// statements, 0) and the last one to end, for the explicit transaction
// under way and the last one, and for the whole connection. What a message
// on a stable memory executed, with what its calls on the memory are
// charged, is in the stable backend's Stats.
type Instructions struct {
	Statement, LastStatement     uint64
	Transaction, LastTransaction uint64
	Total                        uint64
}

// meterState is where a connection's statements and transactions begin,
// in instructions.
type meterState struct {
	stmtStart, txStart uint64
	inStmt, inTx       bool
	last               Instructions
}

// beginStatement marks the start of a statement: its count starts, and it
// gets the connection's budget.
func (c *Conn) beginStatement() {
	if !c.cfg.metered {
		return
	}
	c.meter.endStatement(c.sc.Instructions())
	c.meter.stmtStart, c.meter.inStmt = c.sc.Instructions(), true
	c.sc.SetBudget(c.cfg.instructionLimit)
}

// endStatement records the count of the statement that ended.
func (c *Conn) endStatement() {
	if c.cfg.metered {
		c.meter.endStatement(c.sc.Instructions())
	}
}

func (m *meterState) endStatement(now uint64) {
	if m.inStmt {
		m.last.LastStatement, m.inStmt = now-m.stmtStart, false
	}
}

func (c *Conn) beginTransaction() {
	if c.cfg.metered {
		c.meter.txStart, c.meter.inTx = c.sc.Instructions(), true
	}
}

func (c *Conn) endTransaction() {
	if c.cfg.metered && c.meter.inTx {
		c.meter.last.LastTransaction, c.meter.inTx = c.sc.Instructions()-c.meter.txStart, false
	}
}

// Instructions returns the connection's counts (all zero without
// metering).
func (c *Conn) Instructions() Instructions {
	now := c.sc.Instructions()
	in := c.meter.last
	in.Total = now
	if c.meter.inStmt {
		in.Statement = now - c.meter.stmtStart
	}
	if c.meter.inTx {
		in.Transaction = now - c.meter.txStart
	}
	return in
}

// InstructionsOf returns the counts of the connection behind conn.
func InstructionsOf(conn *sql.Conn) (in Instructions, err error) {
	err = raw(conn, func(c *Conn) error {
		in = c.Instructions()
		return nil
	})
	return in, err
}

// Metered reports whether the connection runs the metered module and so
// counts its instructions.
func (c *Conn) Metered() bool { return c.cfg.metered }
