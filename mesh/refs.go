package mesh

// NodeRef is a Mesh's handle for a node, returned by AddNode, for
// AddBackendRef: a caller that keeps it (the root package keeps it in its
// node record, next to the scheduler's NodeRef) spares the mesh a look-up by
// node ID for every backend it adds. It stays valid until RemoveNode; a
// stale one names the node by its ID. The zero NodeRef names no node and
// must not be given to AddBackendRef.
type NodeRef struct{ n *meshNode }

// ServiceRef is a Mesh's handle for a service, returned by SetService, for
// AddBackendRef, kept as NodeRef is. It stays valid until RemoveService; a
// stale one names the service by its ID. The zero ServiceRef names no
// service and must not be given to AddBackendRef.
type ServiceRef struct{ s *meshService }

// BackendRef is a Mesh's handle for one backend added by AddBackendRef, for
// RemoveBackendRef, which takes the service's handle with it (so that a
// caller that keeps one per task, as the root package does, keeps 8 bytes):
// the backend's element in its service's slab and a stamp, unique in the
// Mesh, that the element holds while the backend is live. A handle whose
// backend has left (RemoveBackendRef, RemoveNode, RemoveService) is stale,
// and stays so when the element holds another backend: a caller may keep
// it, and remove with it, after the mesh dropped the backend itself. (Stamps
// are 32 bits: a stale handle could be mistaken for a current one only
// after 2^32 AddBackendRef calls, when its element holds a backend added
// then.) The zero BackendRef names no backend.
type BackendRef struct {
	i     int32
	stamp uint32
}
