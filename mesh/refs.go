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
// RemoveBackendRef: its service and its element in the service's slab, with
// the element's generation, which changes whenever a backend leaves the
// element. A handle whose backend has left (RemoveBackendRef, RemoveNode,
// RemoveService) is stale, and stays so when the element is reused: a
// caller may keep it, and remove with it, after the mesh dropped the
// backend itself. (The generation is 32 bits: a handle would be mistaken
// for a current one only after its element had been reused 2^32 times.)
// The zero BackendRef names no backend.
type BackendRef struct {
	s   *meshService
	i   int32
	gen uint32
}
