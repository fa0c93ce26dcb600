"""The knowledge loader refuses command templates that do not keep each value one shell word."""

from __future__ import annotations

import shutil

import pytest

from podnet.errors import TemplateError
from podnet.knowledge import load as kb_load
from podnet.knowledge.template_lint import lint_command


@pytest.mark.parametrize(
    "template, why",
    [
        # the reproductions (kb/causes/large_packet_loss.yaml before the fix)
        ("tcpdump -i docker0 -nn -c 20 'host {{ src.ip }} and greater 1450'", "single-quoted"),
        ('kubectl exec -n {{ src.namespace }} {{ src.name }} -- sh -c "ping -c 3 {{ dst.target_ip }}"', "double-quoted"),
        ("echo `ping {{ ip }}`", "backticks"),
        ('ping -s "$(( $(cat /sys/class/net/eth0/mtu) - {{ n }} ))" x', "arithmetic"),
        ("echo ${X:-{{ ip }}}", "${...}"),
        ("ls  # on {{ src_node.name }}", "comment"),
        ("ipvsadm -Ln -t {{ dst.ip }}:{{ dst.port }}", "starts a word"),
        ("echo {{ a }}{{ b }}", "starts a word"),
        ("kubectl get pods --{{ flag }}", "dashes"),
        ("kubectl exec -n ns p -- sh -c {{ script }}", "shell code"),
        ("bash -lc {{ script }}", "shell code"),
        ("eval {{ x }}", "shell code"),
        ("watch -n 1 ip route get {{ ip }}", "shell code"),
        ("echo \"$(echo '{{ x }}')\"", "single-quoted"),
    ],
)
def test_unsafe_templates_are_refused(template, why):
    with pytest.raises(TemplateError) as err:
        lint_command(template, "kb/causes/x.yaml: causes[0].verify[1].command")
    assert err.value.code == "E-TEMPLATE-UNSAFE" and err.value.exit_code == 3
    assert err.value.location == "kb/causes/x.yaml: causes[0].verify[1].command"
    assert why in err.value.message


@pytest.mark.parametrize(
    "template",
    [
        "tcpdump -i {{ nic }} -nn -c 20 host {{ ip }} and greater 1450",
        "kubectl exec -n {{ ns }} {{ pod }} -- sh -c 'ping -s \"$(($(cat /sys/class/net/eth0/mtu) - 28))\" \"$1\"' sh {{ ip }}",
        "kubectl get pods -A --field-selector spec.nodeName={{ node }} | grep -iE 'flannel|calico'",
        'kubectl logs "$(kubectl get pods -o name --field-selector spec.nodeName={{ node }})"',
        "sed -i 's/^BOOTPROTO=.*/BOOTPROTO=\"none\"/' /etc/sysconfig/network-scripts/ifcfg-{{ nic }}",
        "mtu=$(cat /sys/class/net/{{ nic }}/mtu) && ping -s \"$((mtu - 28))\" {{ ip }}",
        "ipvsadm -Ln -t {{ ip ~ ':' ~ port }}",
        "crictl inspect --template '{% raw %}{{.info.pid}}{% endraw %}' x {{ pod }}",
        "firewall-cmd --add-port={{ port }}/tcp && ip link set dev \"${PATH_MTU:?set it}\" {{ nic }}",
        "ping -c 3 {{ backend.ip if dst.kind == 'service' else dst.target_ip }}",
        "ip -o link show | awk '{print $2, $4, $5}'",
    ],
)
def test_safe_templates_pass(template):
    lint_command(template, "t")


def test_a_template_syntax_error_is_located():
    with pytest.raises(TemplateError) as err:
        lint_command("ping {{ ip ", "kb/observations.yaml: kinds[0].how.source_node.command")
    assert err.value.code == "E-TEMPLATE" and "kinds[0].how.source_node" in err.value.location


def test_the_loader_refuses_an_unsafe_cause_template(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    shutil.copytree(kb_load._kb_root(), root)
    path = root / "causes" / "large_packet_loss.yaml"
    text = path.read_text()
    safe = "tcpdump -i docker0 -nn -c 20 host {{ src.ip }} and greater 1450"
    assert safe in text
    path.write_text(text.replace(safe, "tcpdump -i docker0 -nn -c 20 'host {{ src.ip }} and greater 1450'"))
    monkeypatch.setattr(kb_load, "_kb_root", lambda: root)
    with pytest.raises(TemplateError) as err:
        kb_load.load_kb()
    assert err.value.exit_code == 3
    assert err.value.location.startswith("kb/causes/large_packet_loss.yaml: causes[0].remediation[")
    assert "{{ src.ip }}" in err.value.message


def test_every_bundled_command_template_passes():
    from podnet.knowledge.load import load_knowledge, load_tools

    kb = load_knowledge()
    count = 0
    for cause in kb.causes.values():
        for step in cause.remediation + cause.verify:
            if step.command:
                lint_command(step.command, cause.id)
                count += 1
    for kind in kb.observation_kinds.values():
        for how in kind.how.values():
            lint_command(how.command, kind.kind)
            count += 1
    for tool in load_tools().values():
        for recipe in tool.recipes:
            lint_command(recipe.command, tool.id)
            count += 1
    assert count > 150
