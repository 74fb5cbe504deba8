package secret_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim/secret"
	"github.com/swarmsim/swarmsim/spec"
)

// A secret's data stays in the store; a task template names the secret,
// and its reference gets the ID and the docker CLI's default target. A
// secret in use cannot be removed.
func ExampleStore() {
	n := 0
	s := secret.NewStore(func() string { n++; return fmt.Sprintf("id%d", n) })
	pw, _ := s.CreateSecret(secret.Spec{Name: "db_password", Data: []byte("hunter2")}, time.Unix(0, 0))
	fmt.Println(pw.ID, pw.Spec.Name, pw.Spec.Data == nil)

	t := spec.Task{Image: "postgres", Secrets: []spec.SecretReference{{SecretName: "db_password"}}}
	if err := s.ResolveRefs(&t); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", t.Secrets[0])

	users := func(id string) []string {
		if secret.Uses(&t, secret.KindSecret, id) {
			return []string{"db"}
		}
		return nil
	}
	fmt.Println(s.Remove(secret.KindSecret, "db_password", users))
	// Output:
	// id1 db_password true
	// {SecretID:id1 SecretName:db_password File:{Name:db_password UID:0 GID:0 Mode:-r--r--r--}}
	// secret 'db_password' is in use by the following service: db
}
