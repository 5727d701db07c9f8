#!/bin/sh
echo "@GREETING@, ${NAME:-world}"
