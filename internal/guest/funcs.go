package guest

// Func is a function the module exports for the host to call (ABI.md,
// "Exports").
type Func int

// The exports the typed layer calls.
const (
	FnMalloc Func = iota
	FnFree
	FnOpen
	FnPrepare
	FnExec
	FnStep
	FnColumns
	FnBind
	FnCloseV2
	FnFinalize
	FnReset
	FnExecSQL
	FnErrmsg
	FnErrcode
	FnErrorOffset
	FnBusyTimeout
	FnAutocommit
	FnComplete
	FnParamCount
	FnParamName
	FnCreateFunction
	FnCreateCollation
	FnHooks
	FnSerialize
	FnDeserialize
	FnSqliteMalloc
	FnSqliteFree
	FnBlobOpen
	FnBlobClose
	FnBlobBytes
	FnBlobRead
	FnBlobWrite
	FnBlobReopen
	FnBackupInit
	FnBackupStep
	FnBackupFinish
	FnRegisterVFS
	numFuncs
)

// funcNames are the export names, by Func.
var funcNames = [numFuncs]string{
	FnMalloc: "malloc", FnFree: "free", FnOpen: "ss_open", FnPrepare: "ss_prepare", FnExec: "ss_exec",
	FnStep: "ss_step", FnColumns: "ss_columns", FnBind: "ss_bind", FnCloseV2: "sqlite3_close_v2",
	FnFinalize: "sqlite3_finalize", FnReset: "sqlite3_reset", FnExecSQL: "sqlite3_exec",
	FnErrmsg: "sqlite3_errmsg", FnErrcode: "sqlite3_extended_errcode", FnErrorOffset: "sqlite3_error_offset",
	FnBusyTimeout: "sqlite3_busy_timeout", FnAutocommit: "sqlite3_get_autocommit", FnComplete: "sqlite3_complete",
	FnParamCount: "sqlite3_bind_parameter_count", FnParamName: "sqlite3_bind_parameter_name",
	FnCreateFunction: "ss_create_function", FnCreateCollation: "ss_create_collation", FnHooks: "ss_hooks",
	FnSerialize: "ss_serialize", FnDeserialize: "sqlite3_deserialize", FnSqliteMalloc: "sqlite3_malloc64",
	FnSqliteFree: "sqlite3_free", FnBlobOpen: "sqlite3_blob_open", FnBlobClose: "sqlite3_blob_close",
	FnBlobBytes: "sqlite3_blob_bytes", FnBlobRead: "sqlite3_blob_read", FnBlobWrite: "sqlite3_blob_write",
	FnBlobReopen: "sqlite3_blob_reopen", FnBackupInit: "sqlite3_backup_init", FnBackupStep: "sqlite3_backup_step",
	FnBackupFinish: "sqlite3_backup_finish", FnRegisterVFS: "ss_register_vfs",
}
