package swarmsim

import "time"

// SetHeartbeatPeriod changes the dispatcher's heartbeat period, as `docker
// swarm update --dispatcher-heartbeat` does: a node that stops answering is
// marked DOWN HeartbeatMisses periods after it stopped (SwarmKit's
// dispatcher: the node's heartbeat TTL is the period times its grace
// multiplier, 3). A node already stopped keeps the deadline it had. The
// period must be positive.
func (c *Cluster) SetHeartbeatPeriod(d time.Duration) error {
	if d <= 0 {
		return daemonErr(KindInvalidArgument, "invalid heartbeat period %s: it must be positive", d)
	}
	if d > Horizon/HeartbeatMisses {
		return daemonErr(KindInvalidArgument, "invalid heartbeat period %s: longer than the simulator's horizon allows", d)
	}
	c.heartbeat = d
	return nil
}

// HeartbeatPeriod is the dispatcher's heartbeat period: the constant
// HeartbeatPeriod unless SetHeartbeatPeriod changed it.
func (c *Cluster) HeartbeatPeriod() time.Duration {
	if c.heartbeat > 0 {
		return c.heartbeat
	}
	return HeartbeatPeriod
}

// DownAfter is how long after a node stops answering the managers mark it
// DOWN: HeartbeatMisses heartbeat periods.
func (c *Cluster) DownAfter() time.Duration { return HeartbeatMisses * c.HeartbeatPeriod() }

// NodeUp reports whether a node's machine is running: false between
// StopNode and StartNode, whatever the managers' view of it (a stopped node
// is still READY until the heartbeat timeout).
func (c *Cluster) NodeUp(ref string) (bool, error) {
	c.lazyInit()
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return false, err
	}
	return ns.Up, nil
}
