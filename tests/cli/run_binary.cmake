# Runs ${HWNAS} with ${ARGS} (arguments separated by |) and checks its exit status and its stdout and stderr
# against EXPECTED_EXIT, STDOUT_REGEX and STDERR_REGEX. Used by tests/cli/CMakeLists.txt.
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND ${HWNAS} ${ARGS} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status STREQUAL EXPECTED_EXIT)
  message(FATAL_ERROR "hwnas ${ARGS}: exit status ${status}, expected ${EXPECTED_EXIT}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT out MATCHES "${STDOUT_REGEX}")
  message(FATAL_ERROR "hwnas ${ARGS}: stdout does not match '${STDOUT_REGEX}':\n${out}")
endif()
if(NOT err MATCHES "${STDERR_REGEX}")
  message(FATAL_ERROR "hwnas ${ARGS}: stderr does not match '${STDERR_REGEX}':\n${err}")
endif()
