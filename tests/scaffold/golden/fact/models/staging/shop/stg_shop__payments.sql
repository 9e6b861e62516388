with source as (

    select * from {{ source('shop', 'payments') }}

),

renamed as (

    select distinct
        {{ adapter.quote('payment_id') }} as payment_id,
        {{ adapter.quote('OrderID') }} as order_id,
        {{ adapter.quote('Amount') }} as amount,
        {{ dbt.safe_cast(adapter.quote('Paid At'), dbt.type_timestamp()) }} as paid_at
    from source

)

select * from renamed
