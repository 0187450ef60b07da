"""pimflow: one Airflow DAG `akeneo_to_<name>` per target of the targets file.

The targets file is `$PIMFLOW_TARGETS` (default: pimflow/targets/default_targets.yaml, with the
targets `shopware6` and `cscart`); see the README's "Targets" section. (Airflow's safe
mode only parses files that mention both "airflow" and "dag": this docstring does.)
"""

from __future__ import annotations

from pimflow.pipeline.dags import build_dag
from pimflow.targets import load_targets

for _target in load_targets():
    globals()[_target.dag_id] = build_dag(_target)
