namespace Capstan.ApiServer.Tests.Protobuf;

/// <summary>
/// Request bodies captured from kubectl v1.32 (application/vnd.kubernetes.protobuf) with, for each create, the JSON that
/// "kubectl ... --dry-run=client -o json" prints for the same command: Go's JSON encoding of the same object.
/// </summary>
internal static class KubectlCaptures
{
    public static readonly (string Name, string Command, string Hex, string Json)[] Creates =
    [
        (
            "CreateNamespace",
            "kubectl create namespace pbtest",
            "6b3873000a0f0a02763112094e616d657370616365121e0a160a0670627465737412001a0022002a0032003800420012001a020a001a002200",
            """{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"pbtest","creationTimestamp":null},"spec":{},"status":{}}"""),
        (
            "CreateConfigMapFromLiteral",
            "kubectl create configmap cm-lit -n pbtest --from-literal=a=b --from-literal=empty=",
            "6b3873000a0f0a0276311209436f6e6669674d617012310a1c0a06636d2d6c697412001a0670627465737422002a0032003800420012060a016112016212090a05656d70747912001a002200",
            """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-lit","namespace":"pbtest","creationTimestamp":null},"data":{"a":"b","empty":""}}"""),
        (
            "CreateConfigMapFromFile",
            "kubectl create configmap cm-file -n pbtest --from-file=/tmp/pbgen/file.txt",
            "6b3873000a0f0a0276311209436f6e6669674d617012390a1d0a07636d2d66696c6512001a0670627465737422002a0032003800420012180a0866696c652e747874120c68656c6c6f0a776f726c640a1a002200",
            """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-file","namespace":"pbtest","creationTimestamp":null},"data":{"file.txt":"hello\nworld\n"}}"""),
        (
            "CreateSecretGeneric",
            "kubectl create secret generic sec-gen -n pbtest --from-literal=user=admin --from-literal=pass=s3cr3t",
            "6b3873000a0c0a027631120653656372657412400a1d0a077365632d67656e12001a0670627465737422002a00320038004200120e0a04706173731206733363723374120d0a0475736572120561646d696e1a001a002200",
            """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"sec-gen","namespace":"pbtest","creationTimestamp":null},"data":{"pass":"czNjcjN0","user":"YWRtaW4="}}"""),
        (
            "CreateSecretTls",
            "kubectl create secret tls sec-tls -n pbtest --cert=tls.crt --key=tls.key",
            "6b3873000a0c0a027631120653656372657412ba160a1d0a077365632d746c7312001a0670627465737422002a0032003800420012ce080a07746c732e63727412c2082d2d2d2d2d424547494e2043455254494649434154452d2d2d2d2d0a4d4949432b544343416547674177494241674955486959706c47694a71316d5376553349634f6361666378764f2b59774451594a4b6f5a496876634e4151454c0a425141774444454b4d416747413155454177774265444165467730794e6a45784d6a55794d5445334d546461467730794e6a45784d6a59794d5445334d5464610a4d417778436a414942674e5642414d4d41586777676745694d4130474353714753496233445145424151554141344942447741776767454b416f49424151444f0a4170577744452f69384236684d4f354a646c65333331586f2f305a385066613571695476676f627a59347676502f6453456b7062516647365178665a684b58360a6b4c4d77774a59746674794d6c5471674e5a7673307852735554476847683150755a5768384f334241587241595a513673524a7059795458534a7778693861450a79324a393547784367715851747458303554397a686d61484f6c64516d5178324d7645784155624b3352376a5070676a4c444c736b776d7352364c3958786b750a32306e5546684f5167782b5633552f767972557865754b45716651462f6967736d3547647044434a6d785a5a6c7176484d7141735147574e4931336f7733544f0a7656494d3856326a47417269483556422f754b4f36547154462b73356957667431656143347a48436f6546647a2f6d75306763544835304c77336b41575a6b360a7445447a4d654c31424b4e702b50747749442b5241674d424141476a557a42524d4230474131556444675157424254593772573271706f6842643054374150410a4772584f4f463970556a416642674e5648534d4547444157674254593772573271706f6842643054374150414772584f4f463970556a415042674e5648524d420a41663845425441444151482f4d41304743537147534962334451454243775541413449424151414a6b512b48544f2b554652666173775470314352796639384d0a75333969676f66764f6441776a2b547035506d4b514771733264374c734644665a5638446644694d707744696f314f4677584268594752334e6a3666416c6c320a684a7546794d754e61574a4b434c46506b452b7435652f306d44713348635764693458317631367944346173776a746539396b46743844783250696c6373586f0a6d304b6e45526c314c6c65396d73477779797966764937676a636a586363662b5864445044735831776c64363746734357744d767776455963305577486134580a30394465704a45774845746b4b73565a34584c7062706863715459777857486962714b45434c71482b35694a34473345653658666f4a717731345050323447570a65556e3043696931544d6d356e306a724565566f68676258352b2b6c637a556569682f7845313346416d66746e676b586874466e2f486b3848334a6b0a2d2d2d2d2d454e442043455254494649434154452d2d2d2d2d0a12b40d0a07746c732e6b657912a80d2d2d2d2d2d424547494e2050524956415445204b45592d2d2d2d2d0a4d494945764149424144414e42676b71686b6947397730424151454641415343424b59776767536941674541416f49424151444f4170577744452f69384236680a4d4f354a646c65333331586f2f305a385066613571695476676f627a59347676502f6453456b7062516647365178665a684b58366b4c4d77774a59746674794d0a6c5471674e5a7673307852735554476847683150755a5768384f334241587241595a513673524a7059795458534a77786938614579324a3935477843677158510a747458303554397a686d61484f6c64516d5178324d7645784155624b3352376a5070676a4c444c736b776d7352364c3958786b7532306e5546684f5167782b560a33552f767972557865754b45716651462f6967736d3547647044434a6d785a5a6c7176484d7141735147574e4931336f7733544f7656494d3856326a474172690a483556422f754b4f36547154462b73356957667431656143347a48436f6546647a2f6d75306763544835304c77336b41575a6b367445447a4d654c31424b4e700a2b50747749442b5241674d424141454367674541414c7464535278557750346c7577733039595177534a647a4349554c70342b74646a686d73595a35734a69730a63526a396c484c6c326d5636767a5454653132457833436366374a58646a37716f717950444f32704b61646c71466777316366617a63336666474b69505a724d0a6b774b37456b42504955554e76456c6d514b6a50544f6b6b76455444706c32434945307a556d54706350624c786837694734657956633356687a4b4b7a414b7a0a7a5364465150766578464f5363376e79756964656c627075457245424549724d37444a524266433543347664347a706e6837526843382f58594a78752b5154490a75596a7638572f644638416542434b744a757a4836583359373665526334334b786354584477696b55586e6f35514965346573397650705645597265366a44300a5965364873565276754f49555a2b7348547065784b61446d45556b6f596d466b2f70726f4d2b394858774b426751446d696d31583478664d464e52426d7747650a326e5264464347464d43537a64344d475178674672617448557a334c2b53696d7a49326e5672514c724c623236413536537761626b723433306c766a657078770a6632326d2b6369347a7543654e515a7879614e544337516f3562757138377a4f38704679646e63773075632f52724666414f4344417478724c7a6a46345a77610a3661777449356f4c50354668614e485832704d2f395a697a56774b426751446b777167664b7a78773433654f7636646664306e79446a2b545a563674594d796b0a396f51746b6e747678576e66706838706a6457516b5834684e4d44345133466e65743556793374576f6a71476a78764730552f417447734f74424c556a5944570a6d62786e4144496d4d727373426c4e5a7a6b4557427658572f6b78773237314e4b596e4f6131424371616d764351362f6363447577757864636f4a454866456c0a576c7a323136503756774b4267465573725973372f71334b77455467314f39777647387249647449567a62724838427668322b4a6f323839704f593454726d5a0a6433687377795a5245475157686b724f62306d4a4a4c67524178762f5438384d6457477368576b71486269313149537a7636444f41536a652f384141507a43690a552f52624b6c77696634645551664863724259624e3335754f755a354853696754706c367673344c46565a4d324d4b4d4962304f71765550416f4741556555320a46754a396f7452734b74694637504668735a78554f6b7069474b4f3833356d355043396972574c35516933516e696d2b75534339444e6f3738795542356b2f670a5a4d71522f7a5059792b39547646755774364266613059674c36507736654c6a7865515745414b39613064676335675a534f393439317a57744e6956377066650a5539327251424a4a51765a314a7968734c343373334939762f7a37513439527a7a354c6e693855436759425071626b4b7734596b4834464b354e7848774574440a4662446e2b436f505a5a74725434725a43702f554b717171754d58614739747861553438504572744c42584f2b69384e78485370447271317761697231516d440a53615757366e326577556232574f734c3764656f3258703278337a346c2b37363479494f4a7472634262395271754a4f3252635356794a6d6d34474b305a744a0a4369535131666a6977456754682f4465434f4c4e72773d3d0a2d2d2d2d2d454e442050524956415445204b45592d2d2d2d2d0a1a116b756265726e657465732e696f2f746c731a002200",
            """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"sec-tls","namespace":"pbtest","creationTimestamp":null},"data":{"tls.crt":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMrVENDQWVHZ0F3SUJBZ0lVSGlZcGxHaUpxMW1TdlUzSWNPY2FmY3h2TytZd0RRWUpLb1pJaHZjTkFRRUwKQlFBd0RERUtNQWdHQTFVRUF3d0JlREFlRncweU5qRXhNalV5TVRFM01UZGFGdzB5TmpFeE1qWXlNVEUzTVRkYQpNQXd4Q2pBSUJnTlZCQU1NQVhnd2dnRWlNQTBHQ1NxR1NJYjNEUUVCQVFVQUE0SUJEd0F3Z2dFS0FvSUJBUURPCkFwV3dERS9pOEI2aE1PNUpkbGUzMzFYby8wWjhQZmE1cWlUdmdvYnpZNHZ2UC9kU0VrcGJRZkc2UXhmWmhLWDYKa0xNd3dKWXRmdHlNbFRxZ05adnMweFJzVVRHaEdoMVB1WldoOE8zQkFYckFZWlE2c1JKcFl5VFhTSnd4aThhRQp5Mko5NUd4Q2dxWFF0dFgwNVQ5emhtYUhPbGRRbVF4Mk12RXhBVWJLM1I3alBwZ2pMRExza3dtc1I2TDlYeGt1CjIwblVGaE9RZ3grVjNVL3Z5clV4ZXVLRXFmUUYvaWdzbTVHZHBEQ0pteFpabHF2SE1xQXNRR1dOSTEzb3czVE8KdlZJTThWMmpHQXJpSDVWQi91S082VHFURitzNWlXZnQxZWFDNHpIQ29lRmR6L211MGdjVEg1MEx3M2tBV1prNgp0RUR6TWVMMUJLTnArUHR3SUQrUkFnTUJBQUdqVXpCUk1CMEdBMVVkRGdRV0JCVFk3clcycXBvaEJkMFQ3QVBBCkdyWE9PRjlwVWpBZkJnTlZIU01FR0RBV2dCVFk3clcycXBvaEJkMFQ3QVBBR3JYT09GOXBVakFQQmdOVkhSTUIKQWY4RUJUQURBUUgvTUEwR0NTcUdTSWIzRFFFQkN3VUFBNElCQVFBSmtRK0hUTytVRlJmYXN3VHAxQ1J5Zjk4TQp1MzlpZ29mdk9kQXdqK1RwNVBtS1FHcXMyZDdMc0ZEZlpWOERmRGlNcHdEaW8xT0Z3WEJoWUdSM05qNmZBbGwyCmhKdUZ5TXVOYVdKS0NMRlBrRSt0NWUvMG1EcTNIY1dkaTRYMXYxNnlENGFzd2p0ZTk5a0Z0OER4MlBpbGNzWG8KbTBLbkVSbDFMbGU5bXNHd3l5eWZ2STdnamNqWGNjZitYZERQRHNYMXdsZDY3RnNDV3RNdnd2RVljMFV3SGE0WAowOURlcEpFd0hFdGtLc1ZaNFhMcGJwaGNxVFl3eFdIaWJxS0VDTHFIKzVpSjRHM0VlNlhmb0pxdzE0UFAyNEdXCmVVbjBDaWkxVE1tNW4wanJFZVZvaGdiWDUrK2xjelVlaWgveEUxM0ZBbWZ0bmdrWGh0Rm4vSGs4SDNKawotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==","tls.key":"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2QUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVNDQktZd2dnU2lBZ0VBQW9JQkFRRE9BcFd3REUvaThCNmgKTU81SmRsZTMzMVhvLzBaOFBmYTVxaVR2Z29ielk0dnZQL2RTRWtwYlFmRzZReGZaaEtYNmtMTXd3Sll0ZnR5TQpsVHFnTlp2czB4UnNVVEdoR2gxUHVaV2g4TzNCQVhyQVlaUTZzUkpwWXlUWFNKd3hpOGFFeTJKOTVHeENncVhRCnR0WDA1VDl6aG1hSE9sZFFtUXgyTXZFeEFVYkszUjdqUHBnakxETHNrd21zUjZMOVh4a3UyMG5VRmhPUWd4K1YKM1UvdnlyVXhldUtFcWZRRi9pZ3NtNUdkcERDSm14WlpscXZITXFBc1FHV05JMTNvdzNUT3ZWSU04VjJqR0FyaQpINVZCL3VLTzZUcVRGK3M1aVdmdDFlYUM0ekhDb2VGZHovbXUwZ2NUSDUwTHcza0FXWms2dEVEek1lTDFCS05wCitQdHdJRCtSQWdNQkFBRUNnZ0VBQUx0ZFNSeFV3UDRsdXdzMDlZUXdTSmR6Q0lVTHA0K3Rkamhtc1laNXNKaXMKY1JqOWxITGwybVY2dnpUVGUxMkV4M0NjZjdKWGRqN3FvcXlQRE8ycEthZGxxRmd3MWNmYXpjM2ZmR0tpUFpyTQprd0s3RWtCUElVVU52RWxtUUtqUFRPa2t2RVREcGwyQ0lFMHpVbVRwY1BiTHhoN2lHNGV5VmMzVmh6S0t6QUt6CnpTZEZRUHZleEZPU2M3bnl1aWRlbGJwdUVyRUJFSXJNN0RKUkJmQzVDNHZkNHpwbmg3UmhDOC9YWUp4dStRVEkKdVlqdjhXL2RGOEFlQkNLdEp1ekg2WDNZNzZlUmM0M0t4Y1RYRHdpa1VYbm81UUllNGVzOXZQcFZFWXJlNmpEMApZZTZIc1ZSdnVPSVVaK3NIVHBleEthRG1FVWtvWW1Gay9wcm9NKzlIWHdLQmdRRG1pbTFYNHhmTUZOUkJtd0dlCjJuUmRGQ0dGTUNTemQ0TUdReGdGcmF0SFV6M0wrU2ltekkyblZyUUxyTGIyNkE1NlN3YWJrcjQzMGx2amVweHcKZjIybStjaTR6dUNlTlFaeHlhTlRDN1FvNWJ1cTg3ek84cEZ5ZG5jdzB1Yy9SckZmQU9DREF0eHJMempGNFp3YQo2YXd0STVvTFA1RmhhTkhYMnBNLzlaaXpWd0tCZ1FEa3dxZ2ZLenh3NDNlT3Y2ZGZkMG55RGorVFpWNnRZTXlrCjlvUXRrbnR2eFduZnBoOHBqZFdRa1g0aE5NRDRRM0ZuZXQ1VnkzdFdvanFHanh2RzBVL0F0R3NPdEJMVWpZRFcKbWJ4bkFESW1NcnNzQmxOWnprRVdCdlhXL2t4dzI3MU5LWW5PYTFCQ3FhbXZDUTYvY2NEdXd1eGRjb0pFSGZFbApXbHoyMTZQN1Z3S0JnRlVzcllzNy9xM0t3RVRnMU85d3ZHOHJJZHRJVnpickg4QnZoMitKbzI4OXBPWTRUcm1aCmQzaHN3eVpSRUdRV2hrck9iMG1KSkxnUkF4di9UODhNZFdHc2hXa3FIYmkxMUlTenY2RE9BU2plLzhBQVB6Q2kKVS9SYktsd2lmNGRVUWZIY3JCWWJOMzV1T3VaNUhTaWdUcGw2dnM0TEZWWk0yTUtNSWIwT3F2VVBBb0dBVWVVMgpGdUo5b3RSc0t0aUY3UEZoc1p4VU9rcGlHS084MzVtNVBDOWlyV0w1UWkzUW5pbSt1U0M5RE5vNzh5VUI1ay9nClpNcVIvelBZeSs5VHZGdVd0NkJmYTBZZ0w2UHc2ZUxqeGVRV0VBSzlhMGRnYzVnWlNPOTQ5MXpXdE5pVjdwZmUKVTkyclFCSkpRdloxSnloc0w0M3MzSTl2L3o3UTQ5Unp6NUxuaThVQ2dZQlBxYmtLdzRZa0g0Rks1TnhId0V0RApGYkRuK0NvUFpadHJUNHJaQ3AvVUtxcXF1TVhhRzl0eGFVNDhQRXJ0TEJYTytpOE54SFNwRHJxMXdhaXIxUW1EClNhV1c2bjJld1ViMldPc0w3ZGVvMlhwMngzejRsKzc2NHlJT0p0cmNCYjlScXVKTzJSY1NWeUptbTRHSzBadEoKQ2lTUTFmaml3RWdUaC9EZUNPTE5ydz09Ci0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K"},"type":"kubernetes.io/tls"}"""),
        (
            "CreateDeployment",
            "kubectl create deployment web -n pbtest --image=nginx:1.27 --replicas=1 --port=80",
            "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412c3010a250a0377656212001a0670627465737422002a003200380042005a0a0a036170701203776562128b010801120c0a0a0a0361707012037765621a710a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125112330a056e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
            """{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"pbtest","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80}],"resources":{}}]}},"strategy":{}},"status":{}}"""),
        (
            "CreateServiceClusterIp",
            "kubectl create service clusterip svc-c -n pbtest --tcp=80:8080",
            "6b3873000a0d0a02763112075365727669636512750a290a057376632d6312001a0670627465737422002a003200380042005a0c0a0361707012057376632d6312440a1b0a0738302d38303830120354435018502207080010903f1a002800120c0a0361707012057376632d631a002209436c757374657249503a00420052005a00600068001a020a001a002200",
            """{"kind":"Service","apiVersion":"v1","metadata":{"name":"svc-c","namespace":"pbtest","creationTimestamp":null,"labels":{"app":"svc-c"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app":"svc-c"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}"""),
        (
            "CreateServiceNodePort",
            "kubectl create service nodeport svc-n -n pbtest --tcp=80:8080",
            "6b3873000a0d0a02763112075365727669636512740a290a057376632d6e12001a0670627465737422002a003200380042005a0c0a0361707012057376632d6e12430a1b0a0738302d38303830120354435018502207080010903f1a002800120c0a0361707012057376632d6e1a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200",
            """{"kind":"Service","apiVersion":"v1","metadata":{"name":"svc-n","namespace":"pbtest","creationTimestamp":null,"labels":{"app":"svc-n"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app":"svc-n"},"type":"NodePort"},"status":{"loadBalancer":{}}}"""),
        (
            "CreateJob",
            "kubectl create job job1 -n pbtest --image=busybox -- echo hi",
            "6b3873000a0f0a0862617463682f763112034a6f62128e010a1a0a046a6f623112001a0670627465737422002a00320038004200126632640a100a0012001a0022002a003200380042001250122d0a046a6f6231120762757379626f781a046563686f1a0268692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200",
            """{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"job1","namespace":"pbtest","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"job1","image":"busybox","command":["echo","hi"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}}"""),
        (
            "CreateCronJob",
            "kubectl create cronjob cj1 -n pbtest --image=busybox --schedule=*/5 * * * * -- echo hi",
            "6b3873000a130a0862617463682f7631120743726f6e4a6f6212b2010a190a03636a3112001a0670627465737422002a003200380042001292010a0b2a2f35202a202a202a202a1a002a80010a130a03636a3112001a0022002a00320038004200126932670a100a0012001a0022002a003200380042001253122c0a03636a31120762757379626f781a046563686f1a0268692a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200",
            """{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj1","namespace":"pbtest","creationTimestamp":null},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"metadata":{"name":"cj1","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"cj1","image":"busybox","command":["echo","hi"],"resources":{}}],"restartPolicy":"OnFailure"}}}}},"status":{}}"""),
        (
            "CreateRole",
            "kubectl create role r1 -n pbtest --verb=get,list --resource=pods,configmaps",
            "6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c65123b0a180a02723112001a0670627465737422002a00320038004200121f0a036765740a046c69737412001a04706f64731a0a636f6e6669676d6170731a002200",
            """{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r1","namespace":"pbtest","creationTimestamp":null},"rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods","configmaps"]}]}"""),
        (
            "CreateRoleBinding",
            "kubectl create rolebinding rb1 -n pbtest --role=r1 --user=alice --serviceaccount=pbtest:default",
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e671293010a190a0372623112001a0670627465737422002a00320038004200122a0a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a05616c696365220012230a0e536572766963654163636f756e7412001a0764656661756c7422067062746573741a250a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a0272311a002200",
            """{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb1","namespace":"pbtest","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"},{"kind":"ServiceAccount","name":"default","namespace":"pbtest"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"}}"""),
        (
            "CreateClusterRole",
            "kubectl create clusterrole cr1 --verb=get --resource=nodes",
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c6512250a130a0363723112001a0022002a00320038004200120e0a0367657412001a056e6f6465731a002200",
            """{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr1","creationTimestamp":null},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["nodes"]}]}"""),
        (
            "CreateClusterRoleBinding",
            "kubectl create clusterrolebinding crb1 --clusterrole=cr1 --group=devs",
            "6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c7573746572526f6c6542696e64696e6712710a140a046372623112001a0022002a00320038004200122a0a0547726f75701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a046465767322001a2d0a19726261632e617574686f72697a6174696f6e2e6b38732e696f120b436c7573746572526f6c651a036372311a002200",
            """{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"crb1","creationTimestamp":null},"subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cr1"}}"""),
        (
            "CreateServiceAccount",
            "kubectl create serviceaccount sa1 -n pbtest",
            "6b3873000a140a027631120e536572766963654163636f756e74121b0a190a0373613112001a0670627465737422002a003200380042001a002200",
            """{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","namespace":"pbtest","creationTimestamp":null}}"""),
        (
            "CreateQuota",
            "kubectl create quota q1 -n pbtest --hard=pods=10,requests.cpu=2,requests.memory=1Gi",
            "6b3873000a130a027631120d5265736f7572636551756f7461125b0a180a02713112001a0670627465737422002a00320038004200123d0a0c0a04706f647312040a0231300a130a0c72657175657374732e63707512030a01320a180a0f72657175657374732e6d656d6f727912050a033147691a001a002200",
            """{"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q1","namespace":"pbtest","creationTimestamp":null},"spec":{"hard":{"pods":"10","requests.cpu":"2","requests.memory":"1Gi"}},"status":{}}"""),
        (
            "CreatePriorityClass",
            "kubectl create priorityclass pc1 --value=1000 --description=test --global-default=false",
            "6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312360a130a0370633112001a0022002a0032003800420010e80718002204746573742a14507265656d70744c6f7765725072696f726974791a002200",
            """{"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"pc1","creationTimestamp":null},"value":1000,"description":"test","preemptionPolicy":"PreemptLowerPriority"}"""),
        (
            "CreatePodDisruptionBudget",
            "kubectl create poddisruptionbudget pdb1 -n pbtest --selector=app=web --min-available=1",
            "6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412400a1a0a047064623112001a0670627465737422002a0032003800420012160a06080010011a00120c0a0a0a0361707012037765621a0a080018002000280030001a002200",
            """{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb1","namespace":"pbtest","creationTimestamp":null},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"web"}}},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}"""),
        (
            "CreateIngress",
            "kubectl create ingress ing1 -n pbtest --rule=foo.com/bar*=svc-c:80",
            "6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e677265737312520a1a0a04696e673112001a0670627465737422002a0032003800420012301a2e0a07666f6f2e636f6d12230a210a1f0a042f626172120f220d0a057376632d6312040a0010501a065072656669781a020a001a002200",
            """{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing1","namespace":"pbtest","creationTimestamp":null},"spec":{"rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Prefix","backend":{"service":{"name":"svc-c","port":{"number":80}}}}]}}]},"status":{"loadBalancer":{}}}"""),
        (
            "CreateSecretDockerRegistry",
            "kubectl create secret docker-registry sec-dr -n pbtest --docker-username=u --docker-password=p --docker-server=r.io",
            "6b3873000a0c0a02763112065365637265741295010a1c0a067365632d647212001a0670627465737422002a0032003800420012550a112e646f636b6572636f6e6669676a736f6e12407b226175746873223a7b22722e696f223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c2261757468223a2264547077227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200",
            """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"sec-dr","namespace":"pbtest","creationTimestamp":null},"data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="},"type":"kubernetes.io/dockerconfigjson"}"""),
        (
            "CreateConfigMapBinaryFile",
            "kubectl create configmap cm-bin -n pbtest --from-file=bin.dat --from-file=file.txt",
            "6b3873000a0f0a0276311209436f6e6669674d617012f3020a1c0a06636d2d62696e12001a0670627465737422002a0032003800420012180a0866696c652e747874120c68656c6c6f0a776f726c640a1ab8020a0762696e2e64617412ac0262cad27e22731d0848a19cdf12c704e92c38204810e709de3135caf951ff23f80b80094a568291b0d35748ed56a6da153fbe0f01ae5dccc38b5a14bfc0ef812b913aa4ec259d89ae8be85b2ff3ff9d279ed718da18f50e5baa485f49f828bede64339b8d6d137c23caee1deb2f5a314d69f03e92876db5f8823661d83db51e085d2789c7f1b4a6114fcc6df30bd6a3a02deba21eca386ec22a262d61473692af56315be6386ef0cd47fa1fc46cb08c0222444b00af1a4418898a2d547e6084b9cbd1d2b058d47c0c20f7c27af7aaedd1ae67ee57636241d63901940c91e934bbac3bf542022997059c68f83f636f977dac09b997bf91d4bcd1e8cb596d75be320bfe4bb34759643b8627cdc77e475c24a056760545f8064d0af85e19292ba307408c9e02b77a001c0bb8c1d51a002200",
            """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-bin","namespace":"pbtest","creationTimestamp":null},"data":{"file.txt":"hello\nworld\n"},"binaryData":{"bin.dat":"YsrSfiJzHQhIoZzfEscE6Sw4IEgQ5wneMTXK+VH/I/gLgAlKVoKRsNNXSO1WptoVP74PAa5dzMOLWhS/wO+BK5E6pOwlnYmui+hbL/P/nSee1xjaGPUOW6pIX0n4KL7eZDObjW0TfCPK7h3rL1oxTWnwPpKHbbX4gjZh2D21HghdJ4nH8bSmEU/MbfML1qOgLeuiHso4bsIqJi1hRzaSr1YxW+Y4bvDNR/ofxGywjAIiREsArxpEGImKLVR+YIS5y9HSsFjUfAwg98J696rt0a5n7ldjYkHWOQGUDJHpNLusO/VCAimXBZxo+D9jb5d9rAm5l7+R1LzR6MtZbXW+Mgv+S7NHWWQ7hifNx35HXCSgVnYFRfgGTQr4XhkpK6MHQIyeArd6ABwLuMHV"}}"""),
        (
            "CreateSecretBinaryFile",
            "kubectl create secret generic sec-bin -n pbtest --from-file=bin.dat --type=Opaque",
            "6b3873000a0c0a027631120653656372657412e2020a1d0a077365632d62696e12001a0670627465737422002a0032003800420012b8020a0762696e2e64617412ac0262cad27e22731d0848a19cdf12c704e92c38204810e709de3135caf951ff23f80b80094a568291b0d35748ed56a6da153fbe0f01ae5dccc38b5a14bfc0ef812b913aa4ec259d89ae8be85b2ff3ff9d279ed718da18f50e5baa485f49f828bede64339b8d6d137c23caee1deb2f5a314d69f03e92876db5f8823661d83db51e085d2789c7f1b4a6114fcc6df30bd6a3a02deba21eca386ec22a262d61473692af56315be6386ef0cd47fa1fc46cb08c0222444b00af1a4418898a2d547e6084b9cbd1d2b058d47c0c20f7c27af7aaedd1ae67ee57636241d63901940c91e934bbac3bf542022997059c68f83f636f977dac09b997bf91d4bcd1e8cb596d75be320bfe4bb34759643b8627cdc77e475c24a056760545f8064d0af85e19292ba307408c9e02b77a001c0bb8c1d51a064f70617175651a002200",
            """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"sec-bin","namespace":"pbtest","creationTimestamp":null},"data":{"bin.dat":"YsrSfiJzHQhIoZzfEscE6Sw4IEgQ5wneMTXK+VH/I/gLgAlKVoKRsNNXSO1WptoVP74PAa5dzMOLWhS/wO+BK5E6pOwlnYmui+hbL/P/nSee1xjaGPUOW6pIX0n4KL7eZDObjW0TfCPK7h3rL1oxTWnwPpKHbbX4gjZh2D21HghdJ4nH8bSmEU/MbfML1qOgLeuiHso4bsIqJi1hRzaSr1YxW+Y4bvDNR/ofxGywjAIiREsArxpEGImKLVR+YIS5y9HSsFjUfAwg98J696rt0a5n7ldjYkHWOQGUDJHpNLusO/VCAimXBZxo+D9jb5d9rAm5l7+R1LzR6MtZbXW+Mgv+S7NHWWQ7hifNx35HXCSgVnYFRfgGTQr4XhkpK6MHQIyeArd6ABwLuMHV"},"type":"Opaque"}"""),
        (
            "CreateServiceLoadBalancer",
            "kubectl create service loadbalancer svc-lb -n pbtest --tcp=443:8443",
            "6b3873000a0d0a027631120753657276696365127d0a2b0a067376632d6c6212001a0670627465737422002a003200380042005a0d0a0361707012067376632d6c62124a0a1d0a083434332d38343433120354435018bb032207080010fb411a002800120d0a0361707012067376632d6c621a00220c4c6f616442616c616e6365723a00420052005a00600068001a020a001a002200",
            """{"kind":"Service","apiVersion":"v1","metadata":{"name":"svc-lb","namespace":"pbtest","creationTimestamp":null,"labels":{"app":"svc-lb"}},"spec":{"ports":[{"name":"443-8443","protocol":"TCP","port":443,"targetPort":8443}],"selector":{"app":"svc-lb"},"type":"LoadBalancer"},"status":{"loadBalancer":{}}}"""),
        (
            "CreateServiceExternalName",
            "kubectl create service externalname svc-x -n pbtest --external-name=example.com",
            "6b3873000a0d0a02763112075365727669636512660a290a057376632d7812001a0670627465737422002a003200380042005a0c0a0361707012057376632d781235120c0a0361707012057376632d781a00220c45787465726e616c4e616d653a004200520b6578616d706c652e636f6d5a00600068001a020a001a002200",
            """{"kind":"Service","apiVersion":"v1","metadata":{"name":"svc-x","namespace":"pbtest","creationTimestamp":null,"labels":{"app":"svc-x"}},"spec":{"selector":{"app":"svc-x"},"type":"ExternalName","externalName":"example.com"},"status":{"loadBalancer":{}}}"""),
        (
            "CreatePodDisruptionBudgetPercent",
            "kubectl create pdb pdb2 -n pbtest --selector=app=x --max-unavailable=50%",
            "6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412410a1a0a047064623212001a0670627465737422002a003200380042001217120a0a080a036170701201781a09080110001a033530251a0a080018002000280030001a002200",
            """{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb2","namespace":"pbtest","creationTimestamp":null},"spec":{"selector":{"matchLabels":{"app":"x"}},"maxUnavailable":"50%"},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}"""),
        (
            "CreateIngressTlsClassDefaultBackend",
            "kubectl create ingress ing2 -n pbtest --class=nginx --rule=a.com/*=svc-c:80,tls=sec-tls --annotation=x=y --default-backend=svc-c:http",
            "6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e67726573731283010a220a04696e673212001a0670627465737422002a0032003800420062060a017812017912590a1322110a057376632d6312080a0468747470100012100a05612e636f6d12077365632d746c731a290a05612e636f6d12200a1e0a1c0a012f120f220d0a057376632d6312040a0010501a0650726566697822056e67696e781a020a001a002200",
            """{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing2","namespace":"pbtest","creationTimestamp":null,"annotations":{"x":"y"}},"spec":{"ingressClassName":"nginx","defaultBackend":{"service":{"name":"svc-c","port":{"name":"http"}}},"tls":[{"hosts":["a.com"],"secretName":"sec-tls"}],"rules":[{"host":"a.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"svc-c","port":{"number":80}}}}]}}]},"status":{"loadBalancer":{}}}"""),
        (
            "CreateDeploymentTwoImages",
            "kubectl create deployment multi -n pbtest --image=nginx --image=redis",
            "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412df010a290a056d756c746912001a0670627465737422002a003200380042005a0c0a0361707012056d756c746912a3010801120e0a0c0a0361707012056d756c74691a86010a1e0a0012001a0022002a003200380042005a0c0a0361707012056d756c7469126412220a056e67696e7812056e67696e782a0042006a007200800100880100900100a2010012220a057265646973120572656469732a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
            """{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"multi","namespace":"pbtest","creationTimestamp":null,"labels":{"app":"multi"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"multi"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"multi"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}},{"name":"redis","image":"redis","resources":{}}]}},"strategy":{}},"status":{}}"""),
        (
            "CreateCronJobRestartNever",
            "kubectl create cronjob cj2 -n pbtest --image=busybox --schedule=0 * * * * --restart=Never",
            "6b3873000a130a0862617463682f7631120743726f6e4a6f6212a1010a190a03636a3212001a0670627465737422002a003200380042001281010a0930202a202a202a202a1a002a720a130a03636a3212001a0022002a00320038004200125b32590a100a0012001a0022002a00320038004200124512220a03636a32120762757379626f782a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a001a002200",
            """{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj2","namespace":"pbtest","creationTimestamp":null},"spec":{"schedule":"0 * * * *","jobTemplate":{"metadata":{"name":"cj2","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"cj2","image":"busybox","resources":{}}],"restartPolicy":"Never"}}}}},"status":{}}"""),
        (
            "CreateJobFromCronJob",
            "kubectl create job job-from -n pbtest --from=cronjob/cj1",
            "6b3873000a0f0a0862617463682f763112034a6f6212c7020a8d010a086a6f622d66726f6d12001a0670627465737422002a00320038004200622b0a2163726f6e6a6f622e6b756265726e657465732e696f2f696e7374616e746961746512066d616e75616c6a400a0743726f6e4a6f621a03636a31222438376237643734352d376661622d346461622d626539362d3037663333326565646532382a0862617463682f7631300112aa0132a7010a100a0012001a0022002a00320038004200129201124a0a03636a31120762757379626f781a046563686f1a0268692a0042006a142f6465762f7465726d696e6174696f6e2d6c6f677206416c77617973800100880100900100a2010446696c651a094f6e4661696c757265201e320c436c7573746572466972737442004a00520058006000680072008201008a01009a011164656661756c742d7363686564756c6572c201001a082000280030003a001a002200",
            """{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"job-from","namespace":"pbtest","creationTimestamp":null,"annotations":{"cronjob.kubernetes.io/instantiate":"manual"},"ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"cj1","uid":"87b7d745-7fab-4dab-be96-07f332eede28","controller":true}]},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"cj1","image":"busybox","command":["echo","hi"],"resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}],"restartPolicy":"OnFailure","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}},"status":{}}"""),
        (
            "CreatePriorityClassNoPreemption",
            "kubectl create priorityclass pc2 --value=5 --preemption-policy=Never",
            "6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312220a130a0370633212001a0022002a003200380042001005180022002a054e657665721a002200",
            """{"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"pc2","creationTimestamp":null},"value":5,"preemptionPolicy":"Never"}"""),
        (
            "CreateQuotaScopes",
            "kubectl create quota q2 -n pbtest --hard=pods=1 --scopes=BestEffort",
            "6b3873000a130a027631120d5265736f7572636551756f746112370a180a02713212001a0670627465737422002a0032003800420012190a0b0a04706f647312030a0131120a426573744566666f72741a001a002200",
            """{"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q2","namespace":"pbtest","creationTimestamp":null},"spec":{"hard":{"pods":"1"},"scopes":["BestEffort"]},"status":{}}"""),
        (
            "CreateRoleResourceNames",
            "kubectl create role r2 -n pbtest --verb=get --resource=secrets --resource-name=a --resource-name=b",
            "6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512320a180a02723212001a0670627465737422002a0032003800420012160a0367657412001a07736563726574732201612201621a002200",
            """{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r2","namespace":"pbtest","creationTimestamp":null},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["secrets"],"resourceNames":["a","b"]}]}"""),
        (
            "CreateClusterRoleNonResourceUrl",
            "kubectl create clusterrole cr2 --verb=get --non-resource-url=/logs/*",
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c6512250a130a0363723212001a0022002a00320038004200120e0a036765742a072f6c6f67732f2a1a002200",
            """{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr2","creationTimestamp":null},"rules":[{"verbs":["get"],"nonResourceURLs":["/logs/*"]}]}"""),
        (
            "CreateClusterRoleAggregation",
            "kubectl create clusterrole cr3 --aggregation-rule=foo=bar",
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c6512250a130a0363723312001a0022002a003200380042001a0e0a0c0a0a0a03666f6f12036261721a002200",
            """{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr3","creationTimestamp":null},"rules":null,"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"foo":"bar"}}]}}"""),
        (
            "CreateHorizontalPodAutoscalerV1",
            "kubectl autoscale deployment web -n pbtest --min=1 --max=3 --cpu-percent=80",
            "6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f644175746f7363616c6572123f0a130a0377656212001a0022002a0032003800420012220a1a0a0a4465706c6f796d656e7412037765621a07617070732f76311001180320501a04180020001a002200",
            """{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"minReplicas":1,"maxReplicas":3,"targetCPUUtilizationPercentage":80},"status":{"currentReplicas":0,"desiredReplicas":0}}"""),
    ];

    /// <summary>kubectl auth can-i list pods -n pbtest.</summary>
    public const string SelfSubjectAccessReview = "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123c0a100a0012001a0022002a00320038004200121e0a1c0a0670627465737412046c6973741a0022002a04706f647332003a001a08080012001a0020001a002200";

    /// <summary>kubectl create token sa1 -n pbtest --duration=10m.</summary>
    public const string TokenRequest = "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e52657175657374121d0a100a0012001a0022002a00320038004200120320d8041a040a0012001a002200";

    /// <summary>kubectl create token sa1 -n pbtest --duration=10m --audience=x.</summary>
    public const string TokenRequestWithAudience = "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412200a100a0012001a0022002a0032003800420012060a017820d8041a040a0012001a002200";

    /// <summary>kubectl auth can-i --list -n pbtest.</summary>
    public const string SelfSubjectRulesReview = "6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c657352657669657712220a100a0012001a0022002a0032003800420012080a067062746573741a04180022001a002200";

    /// <summary>kubectl auth whoami.</summary>
    public const string SelfSubjectReview = "6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a656374526576696577121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200";
}
