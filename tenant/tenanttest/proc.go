package tenanttest

import (
	"errors"
	"os/exec"
	"runtime"
	"syscall"
)

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// StartLocked starts a test server's process so that it dies with the
// test binary, however the binary dies (a panic, a timeout, ^C, kill -9),
// and in its own process group, so stopping it signals it and anything it
// forks, and a ^C meant for `go test` does not race the orderly stop. The
// channel is closed when the process has exited.
//
// Pdeathsig fires when the *thread* that forked the child exits, not the
// process (PR_SET_PDEATHSIG; golang/go#27505). The Go runtime does end
// threads: a goroutine that exits while locked to its thread takes the
// thread with it. So the process is started from a goroutine locked to its
// own thread that stays alive, in cmd.Wait, for as long as the process
// runs: that thread cannot end before the process does, except when the
// whole test binary dies, which is when the signal should come.
// Attributes the caller set (a credential, say) are kept.
func StartLocked(cmd *exec.Cmd) (<-chan struct{}, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig, cmd.SysProcAttr.Setpgid = syscall.SIGKILL, true
	done := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: when this goroutine returns, its thread is
		// discarded rather than reused, which is harmless.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}
