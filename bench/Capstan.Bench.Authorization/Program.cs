using System.Diagnostics;
using System.Globalization;
using Capstan.ApiServer.Security;
using k8s.Models;

// What RBAC adds to a request when a namespace holds many RoleBindings: the API server's own authorizer
// (RbacAuthorizer, the one every request goes through) timed in-process against the bootstrap policy alone and with
// N RoleBindings, for a user whose binding is the last one looked at (the worst case) and for one with no binding
// (a denial also reads them all). Usage: dotnet run -c Release --project bench/Capstan.Bench.Authorization -- [N] [iterations]
var bindings = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
const string ns = "bench";

var role = new V1Role
{
    Metadata = new V1ObjectMeta { Name = "pod-reader", NamespaceProperty = ns },
    Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["get", "list", "watch"] }],
};
var baseline = BootstrapPolicy.CreateSource();
var loaded = new InMemoryRbacSource(
    roles: [role],
    clusterRoles: BootstrapPolicy.ClusterRoles(),
    roleBindings: Enumerable.Range(0, bindings).Select(i => new V1RoleBinding
    {
        Metadata = new V1ObjectMeta { Name = $"binding-{i}", NamespaceProperty = ns },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "pod-reader" },
        Subjects = [new Rbacv1Subject { Kind = "User", Name = $"user-{i}", ApiGroup = "rbac.authorization.k8s.io" }],
    }),
    clusterRoleBindings: BootstrapPolicy.ClusterRoleBindings());

var authorizer = new RbacAuthorizer();
var request = RequestAttributes.ForResource("get", "", "pods", ns, "web-0");
var lastUser = new UserInfo($"user-{bindings - 1}", "system:authenticated");
var strangerUser = new UserInfo("stranger", "system:authenticated");
if (bindings > 0 && !authorizer.Authorize(lastUser, request, loaded).Allowed)
{
    Console.Error.WriteLine("the last binding's user was not allowed: the benchmark set-up is wrong");
    return 1;
}

Console.WriteLine($"RBAC per request, {iterations:N0} requests each, {bindings:N0} RoleBindings in namespace {ns} (plus the bootstrap cluster policy)");
Console.WriteLine("| case | µs/request | added vs bootstrap policy alone |");
Console.WriteLine("|---|---:|---:|");
var alone = Time(() => authorizer.Authorize(strangerUser, request, baseline));
Row("denied, bootstrap policy alone", alone, alone);
Row($"allowed by the last of {bindings} bindings", Time(() => authorizer.Authorize(lastUser, request, loaded)), alone);
Row($"denied after reading {bindings} bindings", Time(() => authorizer.Authorize(strangerUser, request, loaded)), alone);
Console.WriteLine("target: at most 20 µs added per request");
return 0;

double Time(Func<AuthorizationDecision> authorize)
{
    for (var i = 0; i < Math.Min(iterations, 20_000); i++)
    {
        authorize();
    }

    var best = double.MaxValue;
    for (var round = 0; round < 3; round++)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            authorize();
        }

        best = Math.Min(best, watch.Elapsed.TotalMicroseconds / iterations);
    }

    return best;
}

static void Row(string name, double micros, double baselineMicros) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {micros:F2} | {micros - baselineMicros:+0.00;-0.00;0.00} |"));
