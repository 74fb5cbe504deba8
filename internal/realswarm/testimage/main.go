// Command testimage is the single program of every image the real-swarm
// harness builds (FROM scratch, CGO_ENABLED=0). Its behaviour comes from
// environment variables baked into the image, mirroring a swarmsim image
// directive (`swarmsim image REF --start D --healthy-after D ...`):
//
//	TI_START          wait this long before serving (swarmsim: --start)
//	TI_HEALTHY_AFTER  the health check answers this long after the start
//	TI_UNHEALTHY      "1": the health check then fails instead of passing
//	TI_EXIT_AFTER     exit this long after the start ...
//	TI_EXIT_CODE      ... with this code
//	TI_STOP           on SIGTERM, wait this long before exiting; "ignore"
//	                  ignores SIGTERM (Docker kills after the grace period)
//	TI_STOP_CODE      the exit code after SIGTERM (0)
//	TI_PORT           serve HTTP on this port (80): the task's name
//
// Run as `testimage health`, it is the image's HEALTHCHECK: it waits until
// TI_HEALTHY_AFTER has passed since the main process started, then exits 0,
// or 1 with TI_UNHEALTHY. The waiting makes the container's health change at
// that moment whatever the check interval.
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

const startedFile = "/started"

func dur(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		return 0
	}
	return d
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "health" {
		os.Exit(health())
	}
	start := time.Now()
	if err := os.WriteFile(startedFile, []byte(strconv.FormatInt(start.UnixNano(), 10)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "testimage:", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for range sigs {
			stop := os.Getenv("TI_STOP")
			if stop == "ignore" {
				continue
			}
			time.Sleep(dur("TI_STOP"))
			code, _ := strconv.Atoi(os.Getenv("TI_STOP_CODE"))
			os.Exit(code)
		}
	}()
	if os.Getenv("TI_EXIT_AFTER") != "" {
		go func() {
			time.Sleep(dur("TI_EXIT_AFTER"))
			code, _ := strconv.Atoi(os.Getenv("TI_EXIT_CODE"))
			os.Exit(code)
		}()
	}
	time.Sleep(dur("TI_START"))
	port := os.Getenv("TI_PORT")
	if port == "" {
		port = "80"
	}
	name := os.Getenv("TASK_NAME")
	if name == "" {
		name, _ = os.Hostname()
	}
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, name) })
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Fprintln(os.Stderr, "testimage:", err)
		select {}
	}
}

func health() int {
	b, err := os.ReadFile(startedFile)
	if err != nil {
		return 1
	}
	ns, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 1
	}
	if wait := time.Until(time.Unix(0, ns).Add(dur("TI_HEALTHY_AFTER"))); wait > 0 {
		time.Sleep(wait)
	}
	if os.Getenv("TI_UNHEALTHY") == "1" {
		return 1
	}
	return 0
}
