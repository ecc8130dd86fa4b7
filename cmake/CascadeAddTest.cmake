# cascade_add_test(NAME <name> TIMEOUT <seconds> COMMAND <command> [<argument>...]
#                  [ENVIRONMENT <VAR=value>...] [LABELS <label>...])
# Adds a CTest test that runs <command> under tests/support/watchdog.sh: past <seconds> the
# watchdog prints the thread stacks of the hung process (and of what it started), kills it and
# fails the test, so a deadlock is a readable red line. CTest's own TIMEOUT, a little later, is the
# last resort. <command> may use generator expressions such as $<TARGET_FILE:target>.
function(cascade_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;TIMEOUT" "COMMAND;ENVIRONMENT;LABELS")
  if(NOT arg_NAME OR NOT arg_TIMEOUT OR NOT arg_COMMAND)
    message(FATAL_ERROR "cascade_add_test needs NAME, TIMEOUT and COMMAND")
  endif()
  add_test(NAME ${arg_NAME}
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/support/watchdog.sh ${arg_TIMEOUT} ${arg_COMMAND})
  math(EXPR last_resort_timeout "${arg_TIMEOUT} + 90")
  set_tests_properties(${arg_NAME} PROPERTIES TIMEOUT ${last_resort_timeout})
  if(arg_ENVIRONMENT)
    set_tests_properties(${arg_NAME} PROPERTIES ENVIRONMENT "${arg_ENVIRONMENT}")
  endif()
  if(arg_LABELS)
    set_tests_properties(${arg_NAME} PROPERTIES LABELS "${arg_LABELS}")
  endif()
endfunction()
