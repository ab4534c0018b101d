# The evaluator (sandboxrt eval): unit tests (no sandbox needed) and integration scripts that
# run real benchmark programs through the native jail (they skip with 77 when it cannot run).
foreach(t scoring extract judge programs config)
  sbx_unit_test(test_eval_${t} eval/test_eval_${t}.c)
endforeach()
