package etcd

// ClusterEndpoints returns the client URLs of the cluster the tests share,
// for the package's examples (package etcd_test).
func ClusterEndpoints() string { return cluster.Endpoints() }
