# The evaluator (sandboxrt eval): unit tests (no sandbox needed) and integration scripts that
# run real benchmark programs through the native jail (they skip with 77 when it cannot run).
foreach(t scoring extract judge programs config openai run lcb)
  sbx_unit_test(test_eval_${t} eval/test_eval_${t}.c)
endforeach()
foreach(t humaneval_reference samples_known resume cli early_exit evalplus)
  sbx_script_test(eval_${t} eval/${t}.sh)
endforeach()
# One test per language of the multi-language benchmarks; a language the runtime lacks skips.
foreach(lang python cpp java javascript typescript go rust ruby php lua r csharp scala d racket
        perl bash)
  sbx_script_test(eval_lang_${lang} eval/langs.sh ${lang})
  set_tests_properties(eval_lang_${lang} PROPERTIES TIMEOUT 900)
endforeach()
# sandbox_type: docker, against the shared engine (skips without one).
sbx_script_test(eval_docker eval/docker.sh)
set_tests_properties(eval_docker PROPERTIES LABELS "integration;docker")
sbx_uses_docker(eval_docker)
# They keep both cores busy for seconds: alone, so they do not skew other tests' timings.
set_tests_properties(eval_humaneval_reference eval_resume PROPERTIES RUN_SERIAL TRUE)
# HumanEval and MBPP warm against cold: the whole datasets, twice.
sbx_script_test(eval_warm_fidelity eval/warm_fidelity.sh)
set_tests_properties(eval_warm_fidelity PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
