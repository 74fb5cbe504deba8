module github.com/swarmsim/swarmsim

go 1.26

require (
	github.com/docker/go-connections v0.8.0
	github.com/docker/go-units v0.5.0
	github.com/google/go-cmp v0.7.0
	github.com/mattn/go-shellwords v1.0.16
	github.com/moby/moby/api v1.56.1
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.1.0
	pgregory.net/rapid v1.3.0
)

require (
	github.com/distribution/reference v0.6.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/moby/docker-image-spec v1.3.1 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
)
