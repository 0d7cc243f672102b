#!/usr/bin/env node
// Validates HAR files against the HAR 1.2 schema with har-validator.
// Usage: node validate.js FILE.har... (exit 1 when any file is invalid, 2 on bad usage).
'use strict'

const fs = require('fs')
const validator = require('har-validator')

async function main (files) {
  if (files.length === 0) {
    console.error('usage: node validate.js FILE.har...')
    return 2
  }
  let passed = 0
  let failed = 0
  for (const file of files) {
    try {
      const har = JSON.parse(fs.readFileSync(file, 'utf8'))
      await validator.har(har)
      passed += 1
      console.log(`ok ${file}`)
    } catch (e) {
      failed += 1
      const detail = e.errors ? JSON.stringify(e.errors, null, 1) : String(e.message || e)
      console.log(`FAIL ${file}: ${detail}`)
    }
  }
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 ? 0 : 1
}

main(process.argv.slice(2)).then((code) => process.exit(code))
