with source as (

    select * from {{ source('shop', 'customers') }}

),

renamed as (

    select distinct
        {{ adapter.quote('customer_id') }} as customer_id,
        {{ adapter.quote('FirstName') }} as first_name,
        {{ adapter.quote('LastName') }} as last_name,
        {{ dbt.safe_cast(adapter.quote('Signed Up On'), 'date') }} as signed_up_on
    from source

)

select * from renamed
