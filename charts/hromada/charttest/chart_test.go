package charttest

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

var regexpDocSep = regexp.MustCompile(`(?m)^---\s*$`)

// serviceMonitor is the part of the Prometheus operator's ServiceMonitor
// the chart renders (its CRD is not in k8s.io/api): decoded strictly, a key
// the chart writes that is not here fails the test.
type serviceMonitor struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// rendered is a release's manifests, decoded.
type rendered struct {
	deployments map[string]*appsv1.Deployment
	jobs        map[string]*batchv1.Job
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	services    []*corev1.Service
	secrets     map[string]*corev1.Secret
	monitors    []*serviceMonitor
	ingresses   int
}

func decode(t tb, docs []manifest) *rendered {
	t.Helper()
	r := &rendered{deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{}, secrets: map[string]*corev1.Secret{}}
	for _, m := range docs {
		require.Empty(t, validation.IsDNS1123Subdomain(m.Metadata.Name), "%s: name", m)
		for k, v := range m.Metadata.Labels {
			require.Empty(t, validation.IsQualifiedName(k), "%s: label %s", m, k)
			require.Empty(t, validation.IsValidLabelValue(v), "%s: label %s=%s", m, k, v)
		}
		switch m.APIVersion + " " + m.Kind {
		case "apps/v1 Deployment":
			var d appsv1.Deployment
			strict(t, m, &d)
			r.deployments[d.Name] = &d
		case "batch/v1 Job":
			var j batchv1.Job
			strict(t, m, &j)
			r.jobs[j.Name] = &j
		case "policy/v1 PodDisruptionBudget":
			var p policyv1.PodDisruptionBudget
			strict(t, m, &p)
			r.pdbs = append(r.pdbs, &p)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			var h autoscalingv2.HorizontalPodAutoscaler
			strict(t, m, &h)
			r.hpas = append(r.hpas, &h)
		case "v1 Service":
			var s corev1.Service
			strict(t, m, &s)
			require.Empty(t, validation.IsDNS1035Label(s.Name), "a Service's name is a DNS label")
			r.services = append(r.services, &s)
		case "v1 Secret":
			var s corev1.Secret
			strict(t, m, &s)
			r.secrets[s.Name] = &s
		case "v1 ServiceAccount":
			var sa corev1.ServiceAccount
			strict(t, m, &sa)
			require.NotNil(t, sa.AutomountServiceAccountToken)
			require.False(t, *sa.AutomountServiceAccountToken, "hromada never calls the Kubernetes API")
		case "networking.k8s.io/v1 Ingress":
			var in networkingv1.Ingress
			strict(t, m, &in)
			r.ingresses++
		case "monitoring.coreos.com/v1 ServiceMonitor":
			var sm serviceMonitor
			strict(t, m, &sm)
			r.monitors = append(r.monitors, &sm)
		default:
			t.Fatalf("the chart renders %s, which this test does not know: add its API type here", m)
		}
	}
	return r
}

// values the checks compare against, as set in the chart's values.
type want struct {
	image      string // repository:tag
	uid, gid   int64  // the Dockerfile's USER
	workers    bool
	hpa        bool
	monitor    bool
	ingress    bool
	operatorDB bool
}

// subcommands of `hromada` each workload runs; TestDockerfile checks the
// binary offers them.
var subcommands = map[string]string{"web": "serve", "worker": "worker", "migrate": "migrate"}

// endpoints the server serves to probes: /healthz on any host, /readyz
// only to a request addressed to an IP (cmd/hromada/router.go,
// internalOnly) — which is what the kubelet sends when a probe names no
// host: it connects to the pod's IP and puts that in the Host header.
var probeEndpoints = []string{"/healthz", "/readyz"}

func checkPod(t tb, what string, spec corev1.PodSpec, w want, component string) {
	t.Helper()
	require.Len(t, spec.Containers, 1, "%s: one container", what)
	c := spec.Containers[0]
	require.Equal(t, w.image, c.Image, "%s: the image the chart names", what)
	require.Empty(t, c.Command, "%s: the image's ENTRYPOINT is the binary; the chart passes the subcommand", what)
	require.Equal(t, []string{subcommands[component]}, c.Args, "%s: subcommand", what)

	// Resources: requests and limits of CPU and memory, requests ≤ limits.
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, ok := c.Resources.Requests[res]
		require.True(t, ok, "%s: no %s request", what, res)
		lim, ok := c.Resources.Limits[res]
		require.True(t, ok, "%s: no %s limit", what, res)
		require.LessOrEqual(t, req.Cmp(lim), 0, "%s: %s request above its limit", what, res)
	}

	// Security: the Dockerfile's non-root user, nothing to escalate to.
	psc := spec.SecurityContext
	require.NotNil(t, psc, what)
	require.True(t, psc.RunAsNonRoot != nil && *psc.RunAsNonRoot, "%s: runAsNonRoot", what)
	require.True(t, psc.RunAsUser != nil && *psc.RunAsUser == w.uid, "%s: runAsUser is the image's user %d", what, w.uid)
	require.True(t, psc.RunAsGroup != nil && *psc.RunAsGroup == w.gid, "%s: runAsGroup is the image's group %d", what, w.gid)
	sc := c.SecurityContext
	require.NotNil(t, sc, what)
	require.True(t, sc.RunAsNonRoot != nil && *sc.RunAsNonRoot, "%s: container runAsNonRoot", what)
	require.True(t, sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "%s: allowPrivilegeEscalation", what)
	require.True(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "%s: readOnlyRootFilesystem", what)
	require.True(t, sc.Capabilities != nil && slices.Contains(sc.Capabilities.Drop, "ALL"), "%s: capabilities drop ALL", what)
	require.True(t, spec.AutomountServiceAccountToken != nil && !*spec.AutomountServiceAccountToken, "%s: no service account token", what)
	// The root filesystem is read-only: /tmp must be a volume.
	require.True(t, slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }), "%s: /tmp mounted", what)

	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		_, dup := env[e.Name]
		require.False(t, dup, "%s: %s set twice", what, e.Name)
		env[e.Name] = e
	}
	has := func(name string) bool { _, ok := env[name]; return ok }
	switch component {
	case "migrate":
		require.True(t, has("HROMADA_OWNER_DATABASE_URL"), "%s: the migrations run as the owner", what)
		require.False(t, has("HROMADA_DATABASE_URL"), what)
	default:
		// What `hromada serve|worker` refuses to start without in production
		// (cmd/hromada: config.go, app.go).
		for _, name := range []string{"HROMADA_ENV", "HROMADA_ADDR", "HROMADA_BASE_DOMAIN", "HROMADA_DATABASE_URL", "HROMADA_OBJECT_STORE", "HROMADA_SECRET_KEY"} {
			require.True(t, has(name), "%s: %s is not set", what, name)
		}
		require.False(t, has("HROMADA_OWNER_DATABASE_URL"), "%s: the owner's credentials reach only the migrate job", what)
		require.Equal(t, component == "web", has("HROMADA_OPERATOR_KEY"), "%s: the operator key goes to the web pods only", what)
		require.Equal(t, component == "web" && w.operatorDB, has("HROMADA_OPERATOR_DATABASE_URL"), "%s: HROMADA_OPERATOR_DATABASE_URL", what)

		// Probes: HTTP on the named port, on endpoints the server has,
		// addressed to the pod's IP (no Host), liveness never on the
		// database (an outage would restart every pod).
		require.Len(t, c.Ports, 1, what)
		port := c.Ports[0]
		require.Equal(t, "http", port.Name, what)
		require.Equal(t, fmt.Sprintf(":%d", port.ContainerPort), env["HROMADA_ADDR"].Value, "%s: the server listens on the container port", what)
		for name, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			require.NotNil(t, p, "%s: no %s probe", what, name)
			g := p.HTTPGet
			require.NotNil(t, g, "%s: %s probe is not HTTP", what, name)
			require.Contains(t, probeEndpoints, g.Path, "%s: %s probe on %s, which the server does not serve", what, name, g.Path)
			require.True(t, g.Port.StrVal == port.Name || g.Port.IntVal == port.ContainerPort, "%s: %s probe port %s", what, name, g.Port.String())
			require.Empty(t, g.Host, "%s: %s probe must address the pod's IP", what, name)
			require.Empty(t, g.HTTPHeaders, "%s: %s probe must not set a Host: /readyz answers only the pod's address", what, name)
		}
		require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, "%s: liveness", what)
		require.Equal(t, "/healthz", c.StartupProbe.HTTPGet.Path, "%s: startup", what)
		require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path, "%s: readiness", what)

		// A stop lets requests and jobs finish before Kubernetes kills.
		shutdown, err := time.ParseDuration(env["HROMADA_SHUTDOWN_TIMEOUT"].Value)
		require.NoError(t, err, "%s: HROMADA_SHUTDOWN_TIMEOUT", what)
		require.NotNil(t, spec.TerminationGracePeriodSeconds, what)
		require.Greater(t, time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second, shutdown, "%s: grace period", what)
	}
}

// checkSecretRefs: every secret the pods read exists in the release with
// the key (unless optional).
func checkSecretRefs(t tb, r *rendered, what string, spec corev1.PodSpec) {
	t.Helper()
	for _, e := range spec.Containers[0].Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		s, ok := r.secrets[ref.Name]
		require.True(t, ok, "%s: %s reads Secret %s, which the release does not make", what, e.Name, ref.Name)
		v, ok := s.Data[ref.Key]
		if ref.Optional != nil && *ref.Optional && !ok {
			continue
		}
		require.True(t, ok, "%s: %s reads key %s, not in Secret %s", what, e.Name, ref.Key, ref.Name)
		require.NotEmpty(t, v, "%s: %s is empty", what, e.Name)
		if e.Name == "HROMADA_SECRET_KEY" {
			key, err := base64.StdEncoding.DecodeString(string(v))
			require.NoError(t, err, "HROMADA_SECRET_KEY is base64")
			require.Len(t, key, 32, "HROMADA_SECRET_KEY is 32 bytes")
		}
		if e.Name == "HROMADA_OPERATOR_KEY" {
			require.GreaterOrEqual(t, len(v), 32, "production refuses an operator key under 32 characters")
		}
	}
}

func check(t tb, r *rendered, w want) {
	t.Helper()
	components := []string{"web"}
	if w.workers {
		components = append(components, "worker")
	}
	require.Len(t, r.deployments, len(components))
	byComponent := map[string]*appsv1.Deployment{}
	for _, d := range r.deployments {
		component := d.Spec.Template.Labels["app.kubernetes.io/component"]
		byComponent[component] = d
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		require.NoError(t, err)
		require.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "%s: its selector does not select its pods", d.Name)
		require.Equal(t, "RollingUpdate", string(d.Spec.Strategy.Type))
		require.Equal(t, 0, d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue(), "%s: rolling without losing capacity", d.Name)
		checkPod(t, d.Name, d.Spec.Template.Spec, w, component)
		checkSecretRefs(t, r, d.Name, d.Spec.Template.Spec)
	}
	for _, c := range components {
		require.Contains(t, byComponent, c)
	}
	// Selectors of different components never overlap.
	for _, d := range r.deployments {
		sel, _ := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		for _, o := range r.deployments {
			if o != d {
				require.False(t, sel.Matches(labels.Set(o.Spec.Template.Labels)), "%s selects %s's pods", d.Name, o.Name)
			}
		}
	}

	// The migrate job: a pre-install and pre-upgrade hook, so the new
	// pods start on the migrated schema; its owner Secret made before it.
	require.Len(t, r.jobs, 1)
	for _, j := range r.jobs {
		hooks := strings.Split(j.Annotations["helm.sh/hook"], ",")
		require.ElementsMatch(t, []string{"pre-install", "pre-upgrade"}, hooks, "%s: hook", j.Name)
		require.Equal(t, corev1.RestartPolicyNever, j.Spec.Template.Spec.RestartPolicy)
		require.NotNil(t, j.Spec.ActiveDeadlineSeconds, "a stuck migration must end")
		checkPod(t, j.Name, j.Spec.Template.Spec, w, "migrate")
		checkSecretRefs(t, r, j.Name, j.Spec.Template.Spec)
		owner := j.Spec.Template.Spec.Containers[0].Env
		for _, e := range owner {
			if e.Name != "HROMADA_OWNER_DATABASE_URL" {
				continue
			}
			s := r.secrets[e.ValueFrom.SecretKeyRef.Name]
			require.Contains(t, s.Annotations["helm.sh/hook"], "pre-install", "the owner's Secret must exist when the hook runs")
			require.Less(t, s.Annotations["helm.sh/hook-weight"], j.Annotations["helm.sh/hook-weight"], "the owner's Secret is made before the job")
		}
	}

	// PDBs select exactly the pods of one Deployment.
	require.Len(t, r.pdbs, len(components))
	for _, p := range r.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		require.NoError(t, err)
		var selected []string
		for _, d := range r.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				selected = append(selected, d.Name)
			}
		}
		require.Equal(t, []string{p.Name}, selected, "PDB %s", p.Name)
		require.True(t, (p.Spec.MaxUnavailable == nil) != (p.Spec.MinAvailable == nil), "PDB %s: exactly one of maxUnavailable, minAvailable", p.Name)
	}

	// The HPA scales the web Deployment, which then leaves replicas to it.
	if !w.hpa {
		require.Empty(t, r.hpas)
		require.NotNil(t, byComponent["web"].Spec.Replicas)
	} else {
		require.Len(t, r.hpas, 1)
		h := r.hpas[0]
		web := byComponent["web"]
		require.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: web.Name}, h.Spec.ScaleTargetRef)
		require.Nil(t, web.Spec.Replicas, "with an HPA the Deployment must not set replicas (each upgrade would reset them)")
		require.NotNil(t, h.Spec.MinReplicas)
		require.LessOrEqual(t, *h.Spec.MinReplicas, h.Spec.MaxReplicas)
		require.NotEmpty(t, h.Spec.Metrics)
		for _, m := range h.Spec.Metrics {
			require.Equal(t, autoscalingv2.ResourceMetricSourceType, m.Type)
			_, ok := web.Spec.Template.Spec.Containers[0].Resources.Requests[m.Resource.Name]
			require.True(t, ok, "utilization of %s needs its request", m.Resource.Name)
		}
	}

	// The Service reaches the web pods' named port; the worker's, if any, is headless.
	for _, s := range r.services {
		sel := labels.SelectorFromSet(s.Spec.Selector)
		var selected []string
		for _, d := range r.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				selected = append(selected, d.Name)
			}
		}
		require.Len(t, selected, 1, "Service %s selects %v", s.Name, selected)
		d := r.deployments[selected[0]]
		for _, p := range s.Spec.Ports {
			require.Equal(t, d.Spec.Template.Spec.Containers[0].Ports[0].Name, p.TargetPort.StrVal, "Service %s targets the named port", s.Name)
		}
	}
	require.Equal(t, w.monitor, len(r.monitors) == 1)
	for _, m := range r.monitors {
		require.Len(t, m.Spec.Endpoints, 1)
		require.Equal(t, "/metrics", m.Spec.Endpoints[0].Path)
		require.Equal(t, "http", m.Spec.Endpoints[0].Port)
	}
	require.Equal(t, w.ingress, r.ingresses == 1)
}

func valuesWant(t *testing.T) want {
	t.Helper()
	uid, gid := dockerUser(t)
	return want{image: "ghcr.io/hromada/hromada:" + chartAppVersion(t), uid: uid, gid: gid}
}

// The chart as CI installs it (ci/test-values.yaml: workers, HPA, Ingress,
// ServiceMonitor on) and with the defaults plus only what is required:
// `helm lint --strict` passes and every manifest decodes into its API
// type and keeps the rules in check.
func TestChartRendersValidManifests(t *testing.T) {
	t.Parallel()
	dir := chartDir(t)
	required := []string{"--set", "config.baseDomain=hromada.example",
		"--set", "secrets.databaseUrl=postgres://hromada_app:p@db:5432/hromada",
		"--set", "secrets.ownerDatabaseUrl=postgres://owner:p@db:5432/hromada",
		"--set", "secrets.objectStore=s3://A:S@minio:9000/hromada",
		"--set", "secrets.operatorKey=0123456789abcdef0123456789abcdef",
		"--set", "secrets.secretKey=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	for name, tc := range map[string]struct {
		args []string
		want func(w *want)
	}{
		"ci-values": {[]string{"-f", filepath.Join(dir, "ci", "test-values.yaml")},
			func(w *want) { w.workers, w.hpa, w.monitor, w.ingress, w.operatorDB = true, true, true, true, true }},
		"defaults": {required, func(*want) {}},
	} {
		t.Run(name, func(t *testing.T) {
			lint, stderr, err := runHelm(t, append([]string{"lint", "--strict", dir}, tc.args...)...)
			require.NoError(t, err, "helm lint:\n%s\n%s", lint, stderr)
			out, stderr, err := runHelm(t, append([]string{"template", "rel", dir, "--namespace", "hromada"}, tc.args...)...)
			require.NoError(t, err, "helm template: %s", stderr)
			w := valuesWant(t)
			tc.want(&w)
			check(t, decode(t, split(t, out)), w)
		})
	}
}

// What the chart refuses, it refuses by name: the defaults alone lack the
// base domain, and production's operator key must be 32 characters.
func TestChartRefusesIncompleteValues(t *testing.T) {
	t.Parallel()
	dir := chartDir(t)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"NoBaseDomain": {[]string{"--set", "secrets.databaseUrl=postgres://a@db/h", "--set", "secrets.ownerDatabaseUrl=postgres://o@db/h",
			"--set", "secrets.objectStore=s3://A:S@minio:9000/h", "--set", "secrets.operatorKey=0123456789abcdef0123456789abcdef",
			"--set", "secrets.secretKey=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}, "config.baseDomain is required"},
		"NoSecretKey":      {[]string{"-f", filepath.Join(dir, "ci", "test-values.yaml"), "--set", "secrets.secretKey="}, "secrets.secretKey is required"},
		"ShortOperatorKey": {[]string{"-f", filepath.Join(dir, "ci", "test-values.yaml"), "--set", "secrets.operatorKey=short"}, "at least 32 characters"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, err := runHelm(t, append([]string{"template", "rel", dir}, tc.args...)...)
			require.Error(t, err)
			require.Contains(t, stderr, tc.want)
		})
	}
}

// The checks can fail: a probe on a path the server does not serve, a PDB
// selecting no pods and a misspelt field each break one of them.
func TestChartChecksCatchMistakes(t *testing.T) {
	t.Parallel()
	dir := chartDir(t)
	base := []string{"-f", filepath.Join(dir, "ci", "test-values.yaml")}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"ProbeOnUnknownPath": {[]string{"--set", "web.readinessProbe.httpGet.path=/ready"}, "which the server does not serve"},
		"ProbeWithHost":      {[]string{"--set", "web.livenessProbe.httpGet.host=kyiv.hromada.example"}, "must address the pod's IP"},
		"UnknownField":       {[]string{"--set", "web.resources.limit.cpu=1"}, "does not match its API type"},
		"NoMemoryLimit":      {[]string{"--set", "workers.resources.limits.memory=null"}, "no memory limit"},
		"RootUser":           {[]string{"--set", "podSecurityContext.runAsUser=0"}, "runAsUser is the image's user"},
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := runHelm(t, append([]string{"template", "rel", dir}, append(base, tc.args...)...)...)
			require.NoError(t, err, stderr)
			w := valuesWant(t)
			w.workers, w.hpa, w.monitor, w.ingress, w.operatorDB = true, true, true, true, true
			failed := &recorder{}
			func() {
				defer func() {
					if r := recover(); r != nil && r != errStop {
						panic(r)
					}
				}()
				check(failed, decode(failed, split(failed, out)), w)
			}()
			require.True(t, failed.failed, "the mistake went through")
			require.Contains(t, failed.msg, tc.want)
		})
	}
}
